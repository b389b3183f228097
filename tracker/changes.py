"""The change feed's writer: one ``Change`` row for every history entry, in the same transaction.

``tracker.history`` records every write to a source, actor, event or claim (the services, and so
the API, the admin, the importer, ``loaddata`` and the review transitions, all go through it);
each entry it records also becomes a row of the feed here (its receiver of simple-history's
``post_create_historical_record`` calls :func:`note`).

Why the feed's ids follow commit order: the record's own write has already moved the record
version (``tracker.record_version``), and the insert into the feed's table moves it again; on
PostgreSQL the version row's lock is taken before the statement and held until commit, so a
second writer cannot take an id before the first has committed; SQLite lets one writer at a time
anyway. A reader who has read every change up to an id therefore never sees a smaller id appear
later, and a cursor (the last id read) resumes without skipping one.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from tracker.history import CREATED, DELETED
from tracker.models import Change, ChangeKind, ChangeType

KINDS = {kind.value for kind in ChangeKind}


def state_of(record: models.Model) -> str:
    return str(record.state)  # type: ignore[attr-defined]  # every kind of record has one


def note(record: models.Model, history_row: Any) -> Change | None:
    """Add the feed's row for ``history_row``, the history entry just recorded for ``record``.

    Its version is one more than the record's last change in the feed (1 for its first); its
    state before is the state that change left. A change of state is ``state`` whatever else
    the same write changed; a deletion keeps the state it had as ``state_before``.
    """
    kind = record._meta.model_name
    if kind not in KINDS:
        return None
    last = (
        Change.objects.filter(kind=kind, record_id=record.pk)
        .order_by("-id")
        .values_list("version", "state")
        .first()
    )
    version = last[0] + 1 if last else 1
    state = state_of(record)
    if history_row.history_type == CREATED:
        type_, before, after = ChangeType.CREATED, "", state
    elif history_row.history_type == DELETED:
        type_, before, after = ChangeType.DELETED, state, ""
    else:
        before = last[1] if last and last[1] else state
        type_ = ChangeType.STATE if before != state else ChangeType.UPDATED
        after = state
    return Change.objects.create(
        kind=kind,
        record_id=record.pk,
        slug=getattr(record, "slug", ""),
        version=version,
        time=history_row.history_date,
        type=type_,
        state=after,
        state_before=before,
    )


def note_created(records: list[Any]) -> None:
    """A "created" change for each of ``records``, just inserted in bulk (``generate_data``,
    which writes no history): the feed still lists every record there is."""
    Change.objects.bulk_create(
        [
            Change(
                kind=record._meta.model_name,
                record_id=record.pk,
                slug=record.slug,
                version=1,
                time=record.updated,
                type=ChangeType.CREATED,
                state=state_of(record),
            )
            for record in records
        ],
        batch_size=2000,
    )
