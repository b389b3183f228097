"""The record as readers saw it at a past moment, built from history into a database of its own.

A read with ``as_of`` (``tracker.api.as_of``) is answered by the very same views, selectors and
serializers as any read, against a **snapshot**: an SQLite database that holds, for each record,
its latest history entry at or before the moment (``tracker.history``: its fields, and its links
as slugs), if that entry is not a deletion and shows the record in a reader state (published or
retracted). Filters, embeds, search (FTS5, on SQLite), stats and exports then need no second
implementation. ``config.routers.AsOfRouter`` sends the reads of the record's tables to the
snapshot of the request being served (:func:`reading`); everything else (users, sessions,
tokens, the history itself) stays on the main database.

- A snapshot starts as a copy (SQLite's backup API) of a **template**: an empty database with
  the record's tables (and their FTS5 search tables, ``tracker.search_fts5``) that the process
  makes once from the models, in a temporary directory of its own, removed when it exits (and,
  should it be killed, by the next process that finds it gone).
- Snapshots are kept in a small LRU (``AS_OF_SNAPSHOTS`` per process), keyed by the moment and
  by where each history table stood at it (:func:`high_water`), so a snapshot is never answered
  from once history at or before its moment has changed.
- A request holds its snapshot (:func:`snapshot`) while it reads, streams included: one evicted
  meanwhile is removed once its last reader lets go. A snapshot is written only while it is
  built; each request reads it through a connection of its own, opened read-only
  (``query_only``) and closed when the request is done.
- Tags and places keep no history: a snapshot holds them as they are now.
- A record that refers to one readers could not see at the moment (a claim whose source was a
  draft) cannot be shown: a claim without its claimant or source is left out; an optional
  reference (an actor's affiliation, a source's publisher, an event's place) is left empty.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import itertools
import os
import shutil
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.utils import load_backend
from django.utils import timezone

from tracker import search, search_fts5
from tracker.history import DELETED
from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    Event,
    EventActor,
    Place,
    RecordVersion,
    Source,
    Tag,
)
from tracker.visibility import READER_STATES

ALIAS_PREFIX = "as_of_"
# The records kept in history, in the order their references need them.
RECORDS: tuple[type[models.Model], ...] = (Actor, Source, Event, Claim)
# Every model whose rows a snapshot holds: the router sends their reads there.
SNAPSHOT_MODELS: frozenset[type[models.Model]] = frozenset(
    {
        *RECORDS,
        Tag,
        Place,
        EventActor,
        ClaimRelation,
        Claim.events.through,
        Event.tags.through,
        Source.credits.through,
        RecordVersion,
    }
)

# The snapshot the current request reads, by alias; None outside an as_of read.
_reading: ContextVar[str | None] = ContextVar("tracker_as_of_alias", default=None)


def current_alias() -> str | None:
    return _reading.get()


def alias_for(model: type[models.Model]) -> str | None:
    """The snapshot ``model`` is read from in this request, or None (the router decides)."""
    alias = _reading.get()
    if alias is None:
        return None
    concrete = model._meta.concrete_model
    return alias if concrete in SNAPSHOT_MODELS or model in SNAPSHOT_MODELS else None


def start_reading(alias: str) -> Token[str | None]:
    """Reads of the record's tables go to the snapshot ``alias`` until :func:`stop_reading`."""
    return _reading.set(alias)


def stop_reading(token: Token[str | None]) -> None:
    _reading.reset(token)


@contextmanager
def reading(alias: str) -> Iterator[None]:
    """Reads of the record's tables go to the snapshot ``alias`` inside the block."""
    token = _reading.set(alias)
    try:
        yield
    finally:
        _reading.reset(token)


@dataclass
class Snapshot:
    key: str
    alias: str
    path: str
    moment: datetime.datetime
    changed: datetime.datetime | None
    readers: int = 0
    evicted: bool = False
    built: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class _Store:
    """The process's snapshots, most recently used last; a lock around its bookkeeping."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.template_lock = threading.Lock()
        self.snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self.directory: str | None = None
        self.template: str | None = None

    def where(self) -> str:
        with self.lock:
            if self.directory is None:
                parent = settings.AS_OF_DIRECTORY or tempfile.gettempdir()
                os.makedirs(parent, exist_ok=True)
                _remove_abandoned(parent)
                self.directory = tempfile.mkdtemp(prefix=f"{_DIRECTORY}{os.getpid()}-", dir=parent)
                atexit.register(shutil.rmtree, self.directory, ignore_errors=True)
            return self.directory


_DIRECTORY = "tracker-as-of-"


def _remove_abandoned(parent: str) -> None:
    """Remove the directories of processes that are gone without removing theirs (killed)."""
    for name in os.listdir(parent):
        if not name.startswith(_DIRECTORY):
            continue
        pid = name.removeprefix(_DIRECTORY).split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


_store = _Store()
_builds = itertools.count(1)


def open_connection(alias: str, path: str, *, read_only: bool) -> None:
    """Give the current thread a connection ``alias`` to the SQLite file ``path``.

    Not one of ``settings.DATABASES``: each request opens its own and closes it when done
    (:func:`close_connection`), so no other thread ever sees it and nothing needs unregistering
    when the file goes."""
    options: dict[str, Any] = {"timeout": 20}
    if read_only:
        options["init_command"] = "PRAGMA query_only=ON"
    wanted = {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": options}
    # configure_settings fills in the defaults of every setting (it wants a "default" too).
    configured = connections.configure_settings({"default": {}, alias: wanted})[alias]
    backend = load_backend(configured["ENGINE"])
    setattr(_local(), alias, backend.DatabaseWrapper(configured, alias))


def close_connection(alias: str) -> None:
    wrapper = getattr(_local(), alias, None)
    if wrapper is not None:
        wrapper.close()
        delattr(_local(), alias)


def _local() -> Any:
    """The handler's per-thread (per-context) connections, where ``connections[alias]`` looks
    first: a connection put there is found without being configured."""
    return cast(Any, connections)._connections


def _template() -> str:
    """The empty database every snapshot starts from: made once per process."""
    with _store.template_lock:
        if _store.template is not None:
            return _store.template
        path = os.path.join(_store.where(), "template.sqlite3")
        alias = f"{ALIAS_PREFIX}template"
        open_connection(alias, path, read_only=False)
        try:
            with connections[alias].schema_editor() as editor:
                for model in (*SNAPSHOT_MODELS, get_user_model()):
                    if not model._meta.auto_created:  # a link table: made with its model
                        editor.create_model(model)
                for name, columns in search.DOCUMENTS.items():
                    forward, _ = search_fts5.schema_sql(name, columns)
                    for statement in [*forward, *search_fts5.vocabulary_sql(name)[0]]:
                        editor.execute(statement)
        finally:
            close_connection(alias)
        _store.template = path
        return path


def settled(moment: datetime.datetime) -> bool:
    """Whether no entry dated at or before ``moment`` can still be written: it is at least
    ``AS_OF_SETTLED`` seconds ago (a write takes an entry's date before it commits)."""
    return timezone.now() - moment >= datetime.timedelta(seconds=settings.AS_OF_SETTLED)


def high_water(moment: datetime.datetime) -> tuple[str, datetime.datetime | None]:
    """Where history stood at ``moment``, as a key, and the date of its last entry then.

    For a settled moment, the date of each history table's last entry at or before it (read
    from the index on the entries' dates). For a recent one, also how many entries there are
    and the last one's id: an entry dated before the last may still be committed.
    """
    recent = not settled(moment)
    parts, last = [moment.isoformat()], None
    for model in RECORDS:
        rows = model.history.filter(history_date__lte=moment)  # type: ignore[attr-defined]
        if recent:
            found = rows.aggregate(
                last_date=Max("history_date"), last_id=Max("history_id"), count=Count("history_id")
            )
        else:
            found = rows.aggregate(last_date=Max("history_date"))
        parts.append(f"{model._meta.model_name}:{sorted(found.items())}")
        if found["last_date"] is not None and (last is None or found["last_date"] > last):
            last = found["last_date"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24], last


@contextmanager
def snapshot(moment: datetime.datetime) -> Iterator[Snapshot]:
    """The snapshot of ``moment``, built if this process has none, held (and a connection to
    it open in this thread, under ``snapshot.alias``) for the block."""
    key, changed = high_water(moment)
    held = _acquire(key, moment, changed)
    try:
        open_connection(held.alias, held.path, read_only=True)
        try:
            yield held
        finally:
            close_connection(held.alias)
    finally:
        _release(held)


def _acquire(key: str, moment: datetime.datetime, changed: datetime.datetime | None) -> Snapshot:
    with _store.lock:
        found = _store.snapshots.get(key)
        builder = found is None
        if found is None:
            # A name of its own each time: the snapshot of this key evicted a moment ago may
            # still be read (and its file be removed when its last reader is done).
            found = Snapshot(
                key=key,
                alias=f"{ALIAS_PREFIX}{key}_{next(_builds)}",
                path="",
                moment=moment,
                changed=changed,
            )
            _store.snapshots[key] = found
        _store.snapshots.move_to_end(key)
        found.readers += 1
    if builder:
        try:
            _build(found)
        except BaseException as error:
            found.error = error
            with _store.lock:
                if _store.snapshots.get(key) is found:
                    del _store.snapshots[key]
                found.readers -= 1
            found.built.set()
            _remove(found)
            raise
        found.built.set()
        _evict_beyond_limit()
    else:
        found.built.wait()
        if found.error is not None:
            with _store.lock:
                found.readers -= 1
            raise found.error
    return found


def _release(held: Snapshot) -> None:
    with _store.lock:
        held.readers -= 1
        gone = held.evicted and held.readers == 0
    if gone:
        _remove(held)


def _evict_beyond_limit() -> None:
    removable = []
    with _store.lock:
        while len(_store.snapshots) > max(settings.AS_OF_SNAPSHOTS, 1):
            _, oldest = _store.snapshots.popitem(last=False)
            oldest.evicted = True
            if oldest.readers == 0:
                removable.append(oldest)
    for snapshot_ in removable:
        _remove(snapshot_)


def _remove(held: Snapshot) -> None:
    if held.path:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                os.remove(held.path + suffix)


def forget_all() -> None:
    """Drop every snapshot not being read (tests; a process that wants its disk back)."""
    with _store.lock:
        held = list(_store.snapshots.values())
        _store.snapshots.clear()
        for snapshot_ in held:
            snapshot_.evicted = True
        idle = [snapshot_ for snapshot_ in held if snapshot_.readers == 0]
    for snapshot_ in idle:
        _remove(snapshot_)


def _build(target: Snapshot) -> None:
    template = _template()
    path = os.path.join(_store.where(), f"{target.alias}.sqlite3")
    source, copy = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    target.path = path
    building = f"{target.alias}_build"
    open_connection(building, path, read_only=False)
    try:
        with transaction.atomic(using=building):
            _fill(building, target)
    finally:
        close_connection(building)


def _latest_rows(model: type[models.Model], moment: datetime.datetime) -> list[Any]:
    """Each record's latest history entry at or before ``moment``, if readers could see it."""
    history = model.history  # type: ignore[attr-defined]
    latest = (
        history.filter(id=OuterRef("id"), history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    rows = history.filter(
        history_date__lte=moment, history_id=Subquery(latest), state__in=READER_STATES
    ).exclude(history_type=DELETED)
    return list(rows.order_by("id"))


def _slugs_held(model: type[models.Model], moment: datetime.datetime) -> dict[str, int]:
    """Every slug a record of ``model`` held at or before ``moment``: links name records by
    the slug they had when the linking record's entry was written."""
    history = model.history  # type: ignore[attr-defined]
    return dict(history.filter(history_date__lte=moment).values_list("slug", "id").distinct())


def _fill(alias: str, target: Snapshot) -> None:
    moment = target.moment
    # Read from the main database (the router's choice: no snapshot is being read yet).
    places = list(Place.objects.order_by("pk"))
    Place.objects.using(alias).bulk_create(places, batch_size=500)
    Tag.objects.using(alias).bulk_create(list(Tag.objects.order_by("pk")), batch_size=500)
    present: dict[type[models.Model], set[int]] = {Place: {place.pk for place in places}}
    tags = dict(Tag.objects.using(alias).values_list("slug", "pk"))
    links: dict[type[models.Model], list[tuple[int, dict]]] = {}
    slug_ids: dict[type[models.Model], dict[str, int]] = {}
    for model in RECORDS:
        instances = []
        rows = _latest_rows(model, moment)
        present[model] = {row.id for row in rows}  # for references among them (affiliations)
        for row in rows:
            instance = _instance(model, row, present)
            if instance is not None:
                instances.append(instance)
                links.setdefault(model, []).append((instance.pk, row.links or {}))
        model._default_manager.using(alias).bulk_create(instances, batch_size=500)
        present[model] = {instance.pk for instance in instances}
        held = _slugs_held(model, moment)
        held.update({instance.slug: instance.pk for instance in instances})  # type: ignore[attr-defined]
        slug_ids[model] = {slug: pk for slug, pk in held.items() if pk in present[model]}
    _fill_links(alias, links, slug_ids, tags)
    RecordVersion.objects.using(alias).update_or_create(
        pk=1,
        defaults={
            # The snapshot's version, which its answers' ETags and the record cache's keys
            # hold: where history stood (the key), so a snapshot built again differs only if
            # history at the moment did; its last entry's date is its Last-Modified.
            "number": int(target.key[:12], 16),
            "changed": target.changed or moment,
        },
    )


def _instance(
    model: type[models.Model], row: Any, present: dict[type[models.Model], set[int]]
) -> models.Model | None:
    values: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        value = getattr(row, model_field.attname, None)
        if model_field.name == "updated":
            value = row.history_date  # history keeps no "updated": its entry's date is it
        if model_field.is_relation and value is not None:
            related = cast(type[models.Model], model_field.related_model)
            if related not in present or value not in present[related]:
                if not model_field.null:
                    return None  # a claim without its claimant or source cannot be shown
                value = None  # a user (last editor), or a record readers could not see
        values[model_field.attname] = value
    return model(**values)


def _fill_links(
    alias: str,
    links: dict[type[models.Model], list[tuple[int, dict]]],
    slug_ids: dict[type[models.Model], dict[str, int]],
    tags: dict[str, int],
) -> None:
    actors, events, claims = slug_ids[Actor], slug_ids[Event], slug_ids[Claim]
    participations: dict[tuple[Any, ...], models.Model] = {}
    event_tags: dict[tuple[Any, ...], models.Model] = {}
    credits: dict[tuple[Any, ...], models.Model] = {}
    claim_events: dict[tuple[Any, ...], models.Model] = {}
    relations: dict[tuple[Any, ...], models.Model] = {}
    for pk, held in links.get(Event, []):
        for item in held.get("actors", []):
            if item.get("actor") in actors:
                key = (pk, actors[item["actor"]], item.get("role", "participant"))
                participations[key] = EventActor(event_id=key[0], actor_id=key[1], role=key[2])
        for slug in held.get("tags", []):
            if slug in tags:
                event_tags[pk, tags[slug]] = Event.tags.through(event_id=pk, tag_id=tags[slug])
    for pk, held in links.get(Source, []):
        for slug in held.get("credits", []):
            if slug in actors:
                credits[pk, actors[slug]] = Source.credits.through(
                    source_id=pk, actor_id=actors[slug]
                )
    for pk, held in links.get(Claim, []):
        for slug in held.get("events", []):
            if slug in events:
                claim_events[pk, events[slug]] = Claim.events.through(
                    claim_id=pk, event_id=events[slug]
                )
        for item in held.get("relations", []):
            other = claims.get(item.get("claim"))
            if other is not None and other != pk:
                key = (pk, other, item.get("type"))
                relations[key] = ClaimRelation(from_claim_id=pk, to_claim_id=other, type=key[2])
    made_by_model: tuple[tuple[type[models.Model], dict[tuple[Any, ...], models.Model]], ...] = (
        (EventActor, participations),
        (Event.tags.through, event_tags),
        (Source.credits.through, credits),
        (Claim.events.through, claim_events),
        (ClaimRelation, relations),
    )
    for model, made in made_by_model:
        _number_as_stored(model, made)
        manager: Any = model._default_manager
        manager.using(alias).bulk_create(list(made.values()), batch_size=500)


# Each link model's identity (what tells two of its rows apart besides their id).
_LINK_KEYS: dict[type[models.Model], tuple[str, ...]] = {
    EventActor: ("event_id", "actor_id", "role"),
    Event.tags.through: ("event_id", "tag_id"),
    Source.credits.through: ("source_id", "actor_id"),
    Claim.events.through: ("claim_id", "event_id"),
    ClaimRelation: ("from_claim_id", "to_claim_id", "type"),
}


def _number_as_stored(model: type[models.Model], made: dict[tuple[Any, ...], models.Model]) -> None:
    """Give each link the id its row has in the main database, if it is still there, and the
    others ids after all of those: the record's embeds list links in the order of their ids (a
    participant added first comes first), which history, keeping links as sorted slugs, does
    not say."""
    keys = _LINK_KEYS[model]
    # The main database: no snapshot is read while one is built.
    stored = {tuple(row[:-1]): row[-1] for row in model._default_manager.values_list(*keys, "pk")}
    after = max(stored.values(), default=0)
    for link in made.values():
        found = stored.get(tuple(getattr(link, key) for key in keys))
        if found is None:
            after += 1
            found = after
        link.pk = found
