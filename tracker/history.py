"""Audit history of sources, actors, events and claims: who changed what, when, and why.

django-simple-history keeps a historical table per model (one row per change, with its type,
date, user and change reason). This module is the one place that writes those rows; the
services (``tracker.services``), through which the API, the admin, the importer and
``loaddata`` all write, call it. Three things are added to simple-history:

- **One entry per write.** A write that saves a record and then sets its links (a claim's
  events, an event's participants) would otherwise leave an entry per step; a write is wrapped
  in :func:`one_entry`, which records once at the end. A write of many records (an import file,
  a fixture) is a :func:`batch`: each record it creates or changes gets one entry when the batch
  is done, however many steps touched it.
- **Who and why.** Every entry names its user (``by``; None from a script) and its change
  reason (``reason``: ``api``, ``admin``, ``import FILE``, ``loaddata LABELS``...).
- **Links as slugs.** Each entry also keeps the record's links at that moment in ``links``
  (e.g. ``{"events": ["vladivostok-summit-2019"], "relations": [...]}``), so an entry says
  that a claim was attached to an event as plainly as that its status changed.

:func:`entries` turns historical rows into ``{id, when, who, type, rationale, changes}``, the one
form the API and the admin both show; :func:`for_reader` cuts them to what one reader may see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from tracker.dates import EDTFField

CREATED, CHANGED, DELETED = "+", "~", "-"
TYPE_NAMES = {CREATED: "created", CHANGED: "changed", DELETED: "deleted"}
REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column

# The records the current batch has written so far, by (model, pk): see batch().
_batch: ContextVar[dict | None] = ContextVar("history_batch", default=None)


class HistoryLinks(models.Model):
    """The extra columns of every historical row: the record's links, as slugs, at that moment,
    and why the change was made (a transition's or a status change's rationale)."""

    links = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


class RecordHistory(HistoricalRecords):
    """HistoricalRecords that also snapshots links and can be asked to record on demand."""

    # ``links`` receives an instance of the model the history is attached to, which the type
    # of a class attribute cannot name; hence Any.
    def __init__(self, *, links: Callable[[Any], dict] | None = None, **kwargs):
        # ``updated`` is the history entry's own date; storing it twice adds nothing.
        kwargs.setdefault("excluded_fields", ["updated"])
        kwargs.setdefault("bases", [HistoryLinks])
        super().__init__(**kwargs)
        self.links = links

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        cls._record_history = self

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for field in fields.values():
            if isinstance(field, EDTFField):
                # A historical row keeps the value and its bounds as they were; deriving the
                # bounds again on insert would only parse the date a second time (slowly).
                field.__class__ = models.CharField
        return fields


def tracker_of(model) -> RecordHistory | None:
    return getattr(model, "_record_history", None)


def links_of(instance: models.Model) -> dict:
    tracker = tracker_of(type(instance))
    if tracker is None or tracker.links is None or instance.pk is None:
        return {}
    return tracker.links(instance)


@receiver(pre_create_historical_record)
def _snapshot_links(sender, instance, history_instance, **kwargs):
    # A deletion snapshots the links before the row (and its link rows) go; see delete().
    stashed = getattr(instance, "_history_links", None)
    history_instance.links = stashed if stashed is not None else links_of(instance)
    history_instance.rationale = getattr(instance, "_history_rationale", "") or ""


def _tag(instance: models.Model, *, by, reason: str, rationale: str = "") -> None:
    """Set the attributes simple-history reads for an entry's user and change reason (and the
    one ``_snapshot_links`` reads for its rationale)."""
    # simple-history's attributes on the instance, which no stub declares.
    instance._history_user = by if getattr(by, "is_authenticated", False) else None  # type: ignore[attr-defined]
    instance._change_reason = reason[:REASON_MAX_LENGTH] or None  # type: ignore[attr-defined]
    instance._history_rationale = rationale  # type: ignore[attr-defined]


def _write(
    instance: models.Model, history_type: str, *, by, reason: str, rationale: str = ""
) -> None:
    tracker = tracker_of(type(instance))
    if tracker is None:
        raise TypeError(f"{type(instance).__name__} keeps no history")
    _tag(instance, by=by, reason=reason, rationale=rationale)
    try:
        tracker.create_historical_record(instance, history_type)
    finally:
        instance._history_rationale = ""  # type: ignore[attr-defined]


def record(
    instance: models.Model,
    history_type: str | None,
    *,
    by=None,
    reason: str = "",
    rationale: str = "",
) -> None:
    """Add one history entry for ``instance`` as it stands now, made by ``by`` for ``reason``.

    ``history_type`` None: created or changed as its latest entry says, nothing if it is
    unchanged (a record loaded from a file). Within a :func:`batch` the entry waits for the
    batch's end, where the batch's user and reason are written.
    """
    pending = _batch.get()
    if pending is not None:
        pending[(type(instance), instance.pk)] = instance
    elif history_type is None:
        record_if_changed([instance], by=by, reason=reason)
    else:
        _write(instance, history_type, by=by, reason=reason, rationale=rationale)


@contextmanager
def one_entry(
    instance: models.Model,
    *,
    by,
    history_type: str | None,
    reason: str = "",
    rationale: str = "",
) -> Iterator[None]:
    """Everything done to ``instance`` in the block (fields, then links) becomes one entry,
    which keeps ``rationale`` (why: a transition's, a status change's).

    Nothing is recorded if the block raises (its transaction is rolled back anyway).
    """
    # simple-history's switch on the instance, which no stub declares.
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    record(instance, history_type, by=by, reason=reason, rationale=rationale)


@contextmanager
def batch(*, by=None, reason: str = "") -> Iterator[None]:
    """Many writes as one: each record they create or change gets one entry, made by ``by`` for
    ``reason``, written when the block ends (with the record's fields and links as they are
    then) if it differs from its latest entry. So a record created in one step and linked in
    another has one "created" entry, and writing what is already stored records nothing.

    Deletions are recorded as they happen. Nothing is recorded if the block raises. A batch
    inside a batch adds its records to the outer one. Run it inside the write's transaction.
    """
    if _batch.get() is not None:
        yield
        return
    pending: dict = {}
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    by_model: dict = {}
    for model, pk in pending:
        by_model.setdefault(model, []).append(pk)
    # As stored now, whichever copy a step held; a record deleted since is left out.
    written = [
        instance
        for model, pks in by_model.items()
        for instance in model._default_manager.filter(pk__in=pks).order_by("pk")
    ]
    record_if_changed(written, by=by, reason=reason)


def delete(instance: models.Model, *, by, reason: str = "") -> None:
    """Delete ``instance``, leaving a "deleted" entry that keeps its last fields and links."""
    pending = _batch.get()
    if pending is not None:
        pending.pop((type(instance), instance.pk), None)
    # Read back by _snapshot_links when simple-history records the deletion.
    instance._history_links = links_of(instance)  # type: ignore[attr-defined]
    _tag(instance, by=by, reason=reason)
    instance.delete()


def record_if_changed(instances: Sequence[models.Model], *, by=None, reason: str = "") -> int:
    """Record each instance whose fields or links differ from its latest entry (or that has
    none); returns how many were recorded. What :func:`batch` does at its end."""
    recorded = 0
    by_model: dict = {}
    for instance in instances:
        by_model.setdefault(type(instance), []).append(instance)
    for model, group in by_model.items():
        latest: dict = {}
        rows = model.history.filter(id__in=[instance.pk for instance in group])
        for row in rows.order_by("id", "-history_date", "-history_id"):
            latest.setdefault(row.id, row)
        fields = tracked_fields(model)
        for instance in group:
            row, links = latest.get(instance.pk), links_of(instance)
            if (
                row is not None
                and row.history_type != DELETED
                and row.links == links
                and all(getattr(row, f.attname) == getattr(instance, f.attname) for f in fields)
            ):
                continue
            instance._history_links = links
            try:
                created = row is None or row.history_type == DELETED
                _write(instance, CREATED if created else CHANGED, by=by, reason=reason)
            finally:
                del instance._history_links
            recorded += 1
    return recorded


def track_links(*descriptors) -> None:
    """Record a "changed" entry when a many-to-many link is changed outside :func:`one_entry`
    (e.g. ``claim.events.add(event)`` in a shell)."""
    for descriptor in descriptors:
        m2m_changed.connect(_links_changed, sender=descriptor.through, weak=False)


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        owners = [instance]
    elif pk_set:
        owners = list(model._default_manager.filter(pk__in=pk_set))
    else:
        return  # a reverse clear does not say which records it touched
    for owner in owners:
        if tracker_of(type(owner)) and not hasattr(owner, "skip_history_when_saving"):
            record(owner, CHANGED, by=getattr(owner, "_history_user", None))


# --- Reading history ----------------------------------------------------------------------


def tracked_fields(model) -> list[models.Field]:
    """The fields a curator writes: derived columns (bounds, offsets, timestamps) follow them;
    a derived field that says ``history_tracked`` (a text's hash) is shown too."""
    return [
        field
        for field in model._meta.concrete_fields
        if (field.editable or getattr(field, "history_tracked", False))
        and not field.primary_key
        and field.name != "updated"
    ]


def history_queryset(model, pk) -> models.QuerySet:
    """A record's history, newest first."""
    return (
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def predecessor(row) -> models.Model | None:
    """The entry just before ``row`` in its record's history."""
    return (
        type(row)
        ._default_manager.filter(id=row.id)
        .filter(
            models.Q(history_date__lt=row.history_date)
            | models.Q(history_date=row.history_date, history_id__lt=row.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )


def entries(model, rows: Sequence, *, renames: dict[str, str] | None = None) -> list[dict]:
    """``rows`` (one record's history, newest first) as entries: id, when, who, type, changes.

    Each entry's changes compare it with the entry before it (one more query for the last
    row's predecessor, one per related model to show references as slugs): the cost of a page
    does not grow with its length.
    """
    rows = list(rows)
    if not rows:
        return []
    renames = renames or {}
    before = [*rows[1:], predecessor(rows[-1])]
    fields = tracked_fields(model)
    slugs = _reference_slugs(fields, [row for row in [*rows, before[-1]] if row is not None])
    result = []
    for row, previous in zip(rows, before, strict=True):
        if row.history_type == DELETED:  # the deleted row keeps the last fields and links
            old, new = _state(row, fields, slugs), {}
        elif row.history_type == CREATED:
            old, new = {}, _state(row, fields, slugs)
        else:
            old, new = _state(previous, fields, slugs), _state(row, fields, slugs)
        changes = [
            {"field": renames.get(name, name), "old": old.get(key), "new": new.get(key)}
            for key in [*new, *(key for key in old if key not in new)]
            if old.get(key) != new.get(key)
            for name in [key.removeprefix("links.")]
        ]
        result.append(
            {
                "id": row.history_id,
                "when": row.history_date,
                "who": row.history_user.get_username() if row.history_user else None,
                "type": TYPE_NAMES[row.history_type],
                "rationale": getattr(row, "rationale", "") or None,
                "changes": changes,
            }
        )
    return result


def changes_since_published(model, pk) -> list[dict] | None:
    """What a record's latest version changes from its last published one, as ``{field, old,
    new}`` (its state aside): what a reviewer approves. None if it was never published."""
    rows = history_queryset(model, pk)
    latest, published = rows.first(), rows.filter(state="published").first()
    if latest is None or published is None:
        return None
    fields = [
        field for field in tracked_fields(model) if field.name not in ("state", "state_rationale")
    ]
    slugs = _reference_slugs(fields, [published, latest])
    old, new = _state(published, fields, slugs), _state(latest, fields, slugs)
    return [
        {"field": key.removeprefix("links."), "old": old.get(key), "new": new.get(key)}
        for key in [*new, *(key for key in old if key not in new)]
        if old.get(key) != new.get(key)
    ]


def for_reader(
    entries: list[dict],
    *,
    fields: Collection[str] | None,
    who: str | None,
    long_text: int | None,
) -> list[dict]:
    """``entries`` as one reader may see them.

    ``fields``: the names the reader may read (the API's representation of the record; None
    for all), other changes are left out. ``who``: the label that replaces people's login names
    (None keeps them; a script stays null). ``long_text``: text values longer than this come as
    ``{"length", "sha256"}`` (None keeps them whole), so a page of a source's history does not
    carry its whole text twice per entry.
    """
    shown = []
    for entry in entries:
        changes = [
            {
                **change,
                "old": _brief(change["old"], long_text),
                "new": _brief(change["new"], long_text),
            }
            for change in entry["changes"]
            if fields is None or change["field"] in fields
        ]
        name = entry["who"] if who is None or entry["who"] is None else who
        shown.append({**entry, "who": name, "changes": changes})
    return shown


def _brief(value, long_text: int | None):
    if long_text is None or not isinstance(value, str) or len(value) <= long_text:
        return value
    return {"length": len(value), "sha256": hashlib.sha256(value.encode()).hexdigest()}


def _state(row, fields, slugs) -> dict:
    """A historical row's values by field name, references as slugs, links spread out."""
    if row is None:
        return {}
    state = {}
    for field in fields:
        value = getattr(row, field.attname)
        if field.is_relation and value is not None:
            value = slugs.get((field.related_model, value), value)
        state[field.name] = value
    links = row.links or {}  # a JSON object: its key order is not kept (jsonb), so sort
    state.update({f"links.{name}": links[name] for name in sorted(links)})
    return state


def _reference_slugs(fields, rows) -> dict:
    """{(model, pk): slug} for every reference the rows hold: one query per related model."""
    wanted: dict = {}
    for field in fields:
        if field.is_relation:
            ids = {getattr(row, field.attname) for row in rows} - {None}
            wanted.setdefault(field.related_model, set()).update(ids)
    slugs = {}
    for related, ids in wanted.items():
        if ids:
            for pk, slug in related._default_manager.filter(pk__in=ids).values_list("pk", "slug"):
                slugs[(related, pk)] = slug
    return slugs
