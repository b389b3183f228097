"""Who may read what: readers see published and retracted records, curators see everything.

A reader is anyone without the curator role (anonymous, a token of a user who may change no
record); a curator is a user who may change the record (the ``curators`` group gives it) or a
superuser. Every read path (selectors, lists, embeds, stats, exports, history, search) narrows
its querysets with :func:`visible` or :func:`reader_filter`, so the rule lives here once.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

READER_STATES = ("published", "retracted")
RECORD_MODELS = ("actor", "source", "event", "claim")

M = TypeVar("M", bound=Model)


def sees_everything(user: Any) -> bool:
    """Whether ``user`` is a curator: drafts and records in review are theirs to read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(user.has_perm(f"tracker.change_{model}") for model in RECORD_MODELS)


def reader_filter(prefix: str = "") -> Q:
    """The condition a reader's rows meet: ``prefix`` reaches the record (``claim__``).

    Nearly every record is readable, so the state's own index narrows nothing here: a reader's
    query keeps reading through the index that does (a date window, a claimant); counts of a
    claimant's or a source's readable claims are read from ``(claimant, state)`` and
    ``(source, state)`` indexes (docs/benchmarks.md)."""
    return Q(**{f"{prefix}state__in": READER_STATES})


def visible(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """``queryset`` cut to what ``user`` may read (whole for a curator)."""
    if sees_everything(user):
        return queryset
    return queryset.filter(reader_filter())


def reads_as_reader(request: Any) -> bool:
    """Whether ``request`` (a Django or DRF request, or None) reads as a reader."""
    return not sees_everything(getattr(request, "user", None))


class VisibleRecordsMixin:
    """For a DRF view over records: ``readers`` says whether the request reads as a reader, and
    its queryset keeps to what readers may read if so (every list, export, detail and stat)."""

    request: Any

    @property
    def readers(self) -> bool:
        return reads_as_reader(getattr(self, "request", None))

    def filter_queryset(self, queryset: QuerySet[M]) -> QuerySet[M]:
        if self.readers:
            queryset = queryset.filter(reader_filter())
        return super().filter_queryset(queryset)  # type: ignore[misc]
