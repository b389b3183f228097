"""Where the record stands: its version, read before the data it validates."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.functions import Now

from tracker.models import (
    RecordVersion,
)

T = TypeVar("T")


class Version(NamedTuple):
    """Where the record stands: ``number`` and ``changed`` move on every write (database triggers,
    see ``tracker.record_version``); ``now`` is the database's clock when this was read, and
    ``read_from`` the database it was read from (with a replica, the router may send the next
    read elsewhere)."""

    number: int
    changed: datetime.datetime | None
    now: datetime.datetime | None
    read_from: str = ""


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
        return Version(0, None, None, alias)
    number, changed, now = row
    return Version(number, _moment(connection, changed), _moment(connection, now), alias)


def _moment(connection: BaseDatabaseWrapper, value: Any) -> datetime.datetime | None:
    """A moment as the driver gave it, as the ORM would give it: through the backend's own
    conversion of a datetime (SQLite's: text or a naive value, made aware), if it has one."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    converted: datetime.datetime | None = (
        convert(value, None, connection) if convert is not None else value
    )
    return converted


# What ``per_version`` computed, by (database alias, name): the version it was computed at (its
# number and the time of the last write, which a ``flush`` does not bring back) and the value.
# Only the latest version's is kept per alias and name; an as_of snapshot is an alias of its own,
# so the store is emptied when it holds ``MAX_PER_VERSION`` of them.
MAX_PER_VERSION = 256
_PER_VERSION: dict[tuple[str, str], tuple[tuple[int, datetime.datetime | None], Any]] = {}


def per_version(state: Version, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, a value of the record on the database the version ``state`` was read from
    (``state.read_from``, where ``compute`` must read), computed once per record version in this
    process: ``state`` is the version the request read before any data (every write moves it,
    ``tracker.record_version``), so a value computed at it is the record's until the next write,
    and the next request after a write computes it afresh.

    For a value derived from the whole record that every request of a kind reads, such as
    ``WindowFilter``'s longest span: not for an answer (``tracker.api.record_cache`` keeps
    those, by visibility and request)."""
    at, key = (state.number, state.changed), (state.read_from, name)
    kept = _PER_VERSION.get(key)
    if kept is not None and kept[0] == at:
        value: T = kept[1]
        return value
    value = compute()
    if len(_PER_VERSION) >= MAX_PER_VERSION:
        _PER_VERSION.clear()
    _PER_VERSION[key] = (at, value)
    return value
