"""Where the record stands: its version, read before the data it validates."""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.db.models.functions import Now

from tracker.models import (
    RecordVersion,
)


class Version(NamedTuple):
    """Where the record stands: ``number`` and ``changed`` move on every write (database triggers,
    see ``tracker.record_version``); ``now`` is the database's clock when this was read."""

    number: int
    changed: datetime.datetime | None
    now: datetime.datetime | None


def record_version() -> Version:
    """The record's version, in one query. Read it *before* the data it validates: a write that
    lands in between then makes the next request see a new version, never a stale one."""
    row = (
        RecordVersion.objects.filter(pk=1)
        .annotate(now=Now())
        .values_list("number", "changed", "now")
        .first()
    )
    return Version(*row) if row else Version(0, None, None)
