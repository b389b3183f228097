"""HTTP caching of the read API, in one mixin: validators, 304s, Cache-Control and Vary.

Dashboards poll; a poll that finds nothing new should cost one small query and no body.

- **Lists and stats** get a weak ``ETag`` made from the record version (which database triggers
  move on every write, see ``tracker.record_version``), the path and query and the media type
  (not the ``Host``: the same resource has the same tag under every allowed host name).
  A matching ``If-None-Match`` is answered ``304`` after that one query, before any data is read.
- **Details** get ``etag_for(body, origin)``, the tag that writes check ``If-Match`` against, so
  it is computed from the representation, its own addresses taken without the host (a ``304``
  saves the transfer, not the queries). An ``ETag`` a view has already set is kept.
- ``Last-Modified`` is the time of the last write to the record (any table, deletions and link
  changes included). HTTP dates have one-second resolution, so it is sent only once the second
  of that write is over (by the database's clock): a client never holds a ``Last-Modified`` that
  a later write in the same second would not move. ``If-None-Match`` takes precedence over
  ``If-Modified-Since``, as HTTP requires, and is exact; prefer it.
- ``Cache-Control: public, max-age=API_CACHE_MAX_AGE, must-revalidate`` for an anonymous read,
  ``private, ...`` for a signed-in one (a curator sees drafts: no shared cache may keep it), and
  ``Vary: Accept, Authorization, Cookie`` on both, so a shared cache never answers a signed-in
  request with an anonymous answer or the reverse. A list's ``ETag`` also holds what the reader
  may see (``record_cache.visibility``): a curator's and a reader's copies never validate each
  other.
- A read answered before for the same record version is answered again from the server's cache
  (``tracker.api.record_cache``), after the version's one query.

Only JSON, CSV and the formats of ``tracker.api.formats`` are cached; the browsable API's HTML
(which shows the user and a CSRF token) is not.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from tracker.api import record_cache
from tracker.api.conditional import etag_for, request_origin
from tracker.selectors import version

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView
    from rest_framework.request import Request
    from rest_framework.response import Response

    _View = GenericAPIView[Any]
else:
    _View = object

CACHED_FORMATS = {"json", "csv", "jsonld", "annotations", "timelinejs", "ics", "geojson"}
# Headers a 304 must repeat (RFC 9110, 15.4.5) besides the validators.
_REPEATED = ("Cache-Control", "Vary", "Content-Location", "Expires")


class _NotModified(Exception):
    """Raised once the validators show the client's copy is current; answered with a 304."""


class _Kept(Exception):
    """Raised when the answer to this read of this record version is kept; answered with it."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__()
        self.response = response


def last_modified(state: version.Version) -> int | None:
    """The ``Last-Modified`` timestamp, or None while the second of the last write is not over."""
    if state.changed is None or state.now is None:
        return None
    second = int(state.changed.timestamp())
    return second if int(state.now.timestamp()) > second else None


def not_modified(request: HttpRequest, etag: str, modified: int | None, now: int | None) -> bool:
    """Whether the client's copy (named by If-None-Match or If-Modified-Since) is current."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:  # when present, If-Modified-Since is ignored (RFC 9110)
        tags = parse_etags(if_none_match)
        return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is None or modified is None or (now is not None and since > now):
        return False  # no usable date, or one from the future: send the representation
    return modified <= since


def _opaque(tag: str) -> str:
    """The tag without its weakness marker: If-None-Match uses the weak comparison."""
    return tag[2:] if tag.startswith("W/") else tag


class CachingMixin(_View):
    """ETag, Last-Modified, Cache-Control and conditional GETs for a DRF view (see module doc).

    A view is validated by its representation when it shows one record (``retrieve``); every
    other GET is validated by the record version.
    """

    # Set in initial(); None until then (a request refused before it, e.g. a bad as_of).
    record_version: version.Version | None = None
    response_key: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.record_version = None
        self.response_key = None
        super().initial(request, *args, **kwargs)  # negotiation, authentication, permissions
        if request.method not in ("GET", "HEAD"):
            return
        if request.accepted_renderer.format not in CACHED_FORMATS:
            return
        # Read before any data, so a write landing in between can only make the tag too old.
        # Also on the request, for what is read once per record version (``version.per_version``:
        # the FilterSet's longest span).
        self.record_version = version.record_version()
        request.record_version = self.record_version  # type: ignore[attr-defined]
        if not self._validated_by_representation() and not_modified(
            request, self._version_etag(request), *self._dates()
        ):
            raise _NotModified
        # The same read of the same record version: its kept answer (tracker.api.record_cache).
        self.response_key = record_cache.response_key(request, self.record_version)
        if self.response_key is not None and not record_cache.fresh_requested(request):
            kept = record_cache.cached_response(self.response_key)
            if kept is not None:
                self.response_key = None  # nothing to keep again
                raise _Kept(kept)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _NotModified):
            # DRF's dispatch takes any HttpResponseBase from here (its stubs say Response).
            return HttpResponseNotModified()  # type: ignore[return-value]
        if isinstance(exc, _Kept):
            # As with the 304: a plain HttpResponse, which DRF's dispatch takes.
            return exc.response  # type: ignore[return-value]
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.record_version is None or response.status_code not in (200, 304):
            return response
        if response.status_code == 200:
            if not response.has_header("ETag"):
                response["ETag"] = (
                    etag_for(response.data, request_origin(request))
                    if self._validated_by_representation()
                    else self._version_etag(request)
                )
        else:
            response["ETag"] = self._version_etag(request)
        modified, now = self._dates()
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        user = getattr(request, "user", None)
        scope = "private" if user is not None and user.is_authenticated else "public"
        response["Cache-Control"] = (
            f"{scope}, max-age={settings.API_CACHE_MAX_AGE}, must-revalidate"
        )
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        if (
            response.status_code == 200
            and self._validated_by_representation()
            and not_modified(request, response["ETag"], modified, now)
        ):
            # As in handle_exception: any HttpResponseBase will do (the stubs say Response).
            return self._not_modified_from(response)  # type: ignore[return-value]
        key = self.response_key
        if key is not None and response.status_code == 200 and hasattr(response, "render"):
            response.add_post_render_callback(
                lambda rendered: record_cache.keep_response(key, rendered)
            )
        return response

    def _validated_by_representation(self) -> bool:
        return getattr(self, "action", None) == "retrieve"

    def _version_etag(self, request: Request) -> str:
        version = self.record_version
        assert version is not None  # read in initial() for every cached response
        changed = version.changed.isoformat() if version.changed else ""
        # The path and query, not the host: every name the site answers to gets the same tag.
        parts = [
            str(version.number),
            changed,
            request.get_full_path(),
            record_cache.visibility(request),
        ]
        key = "\n".join([*parts, request.accepted_media_type])
        return 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'

    def _dates(self) -> tuple[int | None, int | None]:
        version = self.record_version
        assert version is not None  # read in initial() for every cached response
        now = int(version.now.timestamp()) if version.now else None
        return last_modified(version), now

    @staticmethod
    def _not_modified_from(response: HttpResponseBase) -> HttpResponseNotModified:
        answer = HttpResponseNotModified()
        for header in ("ETag", "Last-Modified", *_REPEATED):
            if response.has_header(header):
                answer[header] = response[header]
        return answer
