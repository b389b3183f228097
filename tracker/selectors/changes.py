"""The change feed's reads: changes after a position, in commit order, as one user may see them.

A reader (who does not see everything, ``tracker.visibility``) gets the changes whose state
after or before is one readers see: a record entering public view, changing in it, and leaving
it (retracted to review, deleted) all show, so a reader's copy can follow; what never was public
does not. Curators get every change.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tracker.models import Change
from tracker.visibility import READER_STATES, sees_everything


def change_list(*, user: Any, kind: str | None = None) -> QuerySet[Change]:
    """Every change ``user`` may see (of one ``kind`` of record if given), oldest first."""
    changes = Change.objects.order_by("id")
    if kind:
        changes = changes.filter(kind=kind)
    if not sees_everything(user):
        changes = changes.filter(Q(state__in=READER_STATES) | Q(state_before__in=READER_STATES))
    return changes


def change_page(
    *, user: Any, after: int | None, limit: int, kind: str | None = None
) -> list[Change]:
    """Up to ``limit`` + 1 changes after the change ``after`` (from the start when None): one
    more than a page, so the caller knows whether more are there, in one query."""
    changes = change_list(user=user, kind=kind)
    if after is not None:
        changes = changes.filter(id__gt=after)
    return list(changes[: limit + 1])


def newest_changes(*, user: Any, limit: int) -> list[Change]:
    """The ``limit`` newest changes ``user`` may see, newest first (the Atom feed)."""
    return list(change_list(user=user).order_by("-id")[:limit])
