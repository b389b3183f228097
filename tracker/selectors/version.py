"""Where the record stands: its version, read before the data it validates."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
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


def _version_query() -> QuerySet[RecordVersion, tuple[Any, ...]]:
    return (
        RecordVersion.objects.filter(pk=1)
        .annotate(now=Now())
        .values_list("number", "changed", "now")
        .order_by("pk")[:1]
    )


# Every cacheable read starts with this query: made by the ORM once per database vendor and kept
# (building and compiling it took about half a millisecond of each request, docs/benchmarks.md).
_COMPILED: dict[str, tuple[str, tuple[Any, ...]]] = {}


def record_version() -> Version:
    """The record's version, in one query. Read it *before* the data it validates: a write that
    lands in between then makes the next request see a new version, never a stale one."""
    alias = router.db_for_read(RecordVersion)
    connection = connections[alias]
    if connection.vendor not in _COMPILED:
        sql, params = _version_query().query.get_compiler(using=alias).as_sql()
        _COMPILED[connection.vendor] = (sql, tuple(params))
    sql, params = _COMPILED[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return Version(0, None, None)
    number, changed, now = row
    return Version(number, _moment(connection, changed), _moment(connection, now))


def _moment(connection: BaseDatabaseWrapper, value: Any) -> datetime.datetime | None:
    """A moment as the driver gave it, as the ORM would give it: through the backend's own
    conversion of a datetime (SQLite's: text or a naive value, made aware), if it has one."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    converted: datetime.datetime | None = (
        convert(value, None, connection) if convert is not None else value
    )
    return converted
