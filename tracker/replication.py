"""Where a read goes when a replica serves reads: the replica, unless it would be wrong or is down.

``config.routers.PrimaryReplicaRouter`` asks ``read_database()`` for every read. A read goes to
the primary when:

- it runs inside a transaction on the primary (a write and the checks around it);
- it is of a table that signing in and guarding against guessing write and at once read back
  (sessions, API tokens, django-axes' failures): ``PRIMARY_ONLY_APPS``;
- the replica is **down** in this process: connecting to it or a query on it failed less than
  ``DATABASE_REPLICA_RETRY`` seconds ago. A connection refused is found before the query runs;
  a query that fails on a connection that broke makes ``ReplicationMiddleware`` answer the
  same ``GET`` again from the primary, so the client sees no error either way (a write is never
  run twice: it runs on the primary and is not retried);
- the signed-in user **wrote** and the replica has not replayed that write yet. After a request
  that wrote, the middleware stores the primary's WAL position (``pg_current_wal_lsn()``) in
  the cache (Redis, shared by all app servers) under the user's id, for at most
  ``READ_YOUR_WRITES_TIMEOUT`` seconds; the user's next request compares it once with the
  replica's ``pg_last_wal_replay_lsn()`` and reads from the primary until the replica has
  passed it, then drops it. Anonymous readers and users who have not written read from the
  replica at no extra cost.

Comparing positions rather than pinning the user for a fixed time means the pin lasts exactly
as long as the lag (milliseconds, usually) and holds however long the lag grows.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, OperationalError, connections
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

PRIMARY, REPLICA = "default", "replica"
# Rows a request writes and the very next request must find: a session just signed in, a token
# just made, the failures that count towards a lockout.
PRIMARY_ONLY_APPS = frozenset({"sessions", "authtoken", "axes"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger(__name__)


@dataclass
class _Request:
    """What routing knows about the request being served."""

    request: HttpRequest
    pinned: bool | None = None  # reads on the primary; None until the user is known
    deciding: bool = False
    wrote: bool = False


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "tracker_replication_request", default=None
)
# Per process: until when (time.monotonic()) the replica is left alone after a failure.
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_down() -> bool:
    return time.monotonic() < _replica_down_until


def mark_replica_down(error: Exception) -> None:
    """Send this process's reads to the primary for DATABASE_REPLICA_RETRY seconds."""
    global _replica_down_until
    if not replica_down():
        log.warning(
            "The replica failed (%s); reads go to the primary for %s s.",
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
            settings.DATABASE_REPLICA_RETRY,
        )
    _replica_down_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY
    # A broken connection may fail to close; it is dropped all the same.
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def read_database(model) -> str:
    if model._meta.app_label in PRIMARY_ONLY_APPS or replica_down() or not replica_configured():
        return PRIMARY
    state = _current.get()
    if state is not None and _pinned(state):
        return PRIMARY
    return REPLICA if _replica_connected() else PRIMARY


def _replica_connected() -> bool:
    """Connect to the replica now if this process has no connection to it, so that a replica
    that is down costs a refused connection here rather than an error in the query. (A
    connection that breaks later fails its query: ``ReplicationMiddleware`` answers that.)"""
    connection = connections[REPLICA]
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except OperationalError as error:
        mark_replica_down(error)
        return False
    return True


def note_write() -> None:
    state = _current.get()
    if state is not None:
        state.wrote = True


def _cache_key(user_id) -> str:
    return f"tracker:read-your-writes:{user_id}"


def _known_user(request: HttpRequest):
    """The request's user once authentication has run, without running it (no query)."""
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject) and user.__dict__.get("_wrapped", empty) is empty:
        return None  # the session's user, not looked up yet; DRF replaces it when it authenticates
    return user


def _pinned(state: _Request) -> bool:
    if state.pinned is not None:
        return state.pinned
    if state.deciding:
        return False  # the replay position itself is read from the replica
    user = _known_user(state.request)
    if user is None:
        return False  # decide once the user is known
    if not user.is_authenticated:
        state.pinned = False
        return False
    state.deciding = True
    try:
        state.pinned = not replica_has_replayed(cache.get(_cache_key(user.pk)), user.pk)
    finally:
        state.deciding = False
    return state.pinned


def replica_has_replayed(lsn: str | None, user_id) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``lsn`` (a user's last write)."""
    if lsn is None:
        return True
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            (replayed,) = cursor.fetchone()
    except OperationalError as error:
        mark_replica_down(error)
        return False
    if replayed:  # NULL: a replica that is no standby, whose position says nothing; wait it out
        cache.delete(_cache_key(user_id))
        return True
    return False


def remember_write(request: HttpRequest) -> None:
    """Store where the primary's WAL stands after the user's write (the request has committed)."""
    user = _known_user(request)
    if user is None or not user.is_authenticated:
        return
    primary = connections[PRIMARY]
    if primary.vendor != "postgresql":
        return
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (lsn,) = cursor.fetchone()
    cache.set(_cache_key(user.pk), lsn, settings.READ_YOUR_WRITES_TIMEOUT)


class ReplicationMiddleware:
    """Routing state per request, the write position after a write, and a read the replica
    failed answered again from the primary. Installed only with a replica configured."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        state = _Request(request)
        token = _current.set(state)
        try:
            response = self.get_response(request)
            if state.wrote:
                remember_write(request)
            return response
        finally:
            _current.reset(token)

    def process_exception(self, request, exception):
        """A read the replica failed (the standby stopped, a connection broke): mark it down and
        run the view again, now on the primary. Writes are never run twice."""
        if not isinstance(exception, OperationalError):
            return None
        if not connections[REPLICA].errors_occurred:
            return None  # the primary's failure: nothing to fall back on
        mark_replica_down(exception)
        match = request.resolver_match
        if request.method not in SAFE_METHODS or match is None:
            return None
        state = _current.get()
        if state is not None:
            state.pinned = True
        return match.func(request, *match.args, **match.kwargs)
