"""Answers kept while the record is unchanged: whole read responses, and the stats' rows.

Every key holds the **record version** the request read before any data (its number and the
time of the last write, ``tracker.selectors.version``; database triggers move both on every
write to the record, bulk writes, deletions and link changes included). A write therefore makes
every entry made before it unreachable: the next read computes afresh, nothing is ever stale and
nothing needs invalidating; old entries age out (``RECORD_CACHE_TIMEOUT``) or are evicted. The
number alone could come back (a ``flush`` restarts it), the time of the last write does not.
Keys also hold a digest of the application's code, so a deployment that changes how records
are shown starts from an empty cache even when Redis keeps the old one.

Every key also holds the request's **visibility**: what the reader may see. Readers
(anonymous, or signed in without the curator role: ``tracker.visibility``) see the published
and retracted records and share their entries; a curator sees every state and more history, so
each curator has entries of their own. :func:`visibility` is the one place that says it.

- **Responses** (``CachingMixin``, ``tracker.api.caching``): an identical ``GET`` (same path
  and query, media type, origin, visibility) of an unchanged record gets the body and headers
  its first answer had, after the one query that reads the version. A request sent with
  ``Cache-Control: no-cache`` is computed afresh (and its answer kept), as HTTP asks of a cache.
- **Stats rows** (:func:`rows`): an aggregate over the whole record is computed once per record
  version and parameters, whatever the media type it is then rendered in, and for every origin.

The cache is the ``records`` alias of ``CACHES`` (Redis when ``REDIS_URL`` is set, shared by
the workers; else each process's memory).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.views import APIView

from tracker.api.conditional import request_origin
from tracker.selectors.version import Version
from tracker.visibility import sees_everything

ALIAS = "records"
# A stats view's row: its column names to their values.
StatsRow = dict[str, Any]
# The view's own headers worth repeating; middleware adds the rest to every answer.
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "ETag", "Allow", "Link")


def visibility(request: HttpRequest) -> str:
    """What the request may see, as a part of every key: every reader (anonymous, or a user
    without the curator role) sees the same published record; each curator has their own view
    (every state, history with names)."""
    user = getattr(request, "user", None)
    if not sees_everything(user):
        return "public"
    return f"curator:{user.pk}"  # type: ignore[union-attr]


@functools.cache
def code_fingerprint() -> str:
    """A digest of the application's code: a deployment that changes how a record is shown
    must not be answered with what the code before it showed (Redis outlives the workers)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(kind: str, state: Version, parts: list[str]) -> str:
    changed = state.changed.isoformat() if state.changed else ""
    # The database too: one Redis may serve sites over different databases (the benchmark).
    where = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
    raw = "\n".join([kind, code_fingerprint(), where, str(state.number), changed, *parts])
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def rows(
    view: APIView, state: Version | None, compute: Callable[[], list[StatsRow]]
) -> list[StatsRow]:
    """A stats view's rows for its request: from the cache when this record version and these
    parameters (``format`` aside: the rows are the same in JSON and CSV) were computed before,
    else computed and kept. Without a version (the browsable API reads none) it computes."""
    if state is None:
        return compute()
    request = view.request
    parameters = sorted(
        (name, value)
        for name, values in request.query_params.lists()
        if name != "format"
        for value in values
    )
    parts = [type(view).__name__, repr(parameters), visibility(request)]
    key = _key("stats", state, parts)
    cache = caches[ALIAS]
    found: list[StatsRow] | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found)
    return found


def response_key(request: Request, state: Version) -> str | None:
    """The key of a read's whole answer, or None when it may not come from the cache."""
    if not settings.API_RESPONSE_CACHE or request.method != "GET":
        return None
    parts = [
        request_origin(request),
        request.get_full_path(),
        request.accepted_media_type,
        visibility(request),
    ]
    return _key("response", state, parts)


def fresh_requested(request: HttpRequest) -> bool:
    """``Cache-Control: no-cache`` (or ``Pragma: no-cache``): the client asks for a fresh answer."""
    directives = request.META.get("HTTP_CACHE_CONTROL", "") + request.META.get("HTTP_PRAGMA", "")
    return "no-cache" in directives.lower()


def cached_response(key: str) -> HttpResponse | None:
    """The kept answer, or None."""
    found = caches[ALIAS].get(key)
    if found is None:
        return None
    content, headers = cast(tuple[bytes, list[tuple[str, str]]], found)
    response = HttpResponse(content, status=200)
    for name, value in headers:
        response[name] = value
    return response


def keep_response(key: str, response: HttpResponse) -> None:
    """Keep a rendered 200 answer under ``key`` (post-render: its body and the view's headers)."""
    if response.status_code != 200 or getattr(response, "streaming", False):
        return
    content = response.content
    if len(content) > settings.API_RESPONSE_CACHE_MAX_BYTES:
        return
    cache = caches[ALIAS]
    # The same read of the same record version is answered the same: a request computed afresh
    # (``no-cache``) when an answer is kept already finds that answer, and does not store it
    # again (a page's 600 kB pickled anew cost 0.3 ms, docs/benchmarks.md).
    if cache.has_key(key):
        return
    headers = [(name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)]
    cache.set(key, (content, headers))
