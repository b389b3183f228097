"""The ecosystem's formats: ClaimReview, Web Annotation, TimelineJS, iCalendar and GeoJSON.

Each is a renderer (its ``?format=`` name and media type, which the OpenAPI document lists) and a
``ListFormat``: how a filtered list is written in it. Like the CSV exports
(``tracker.api.exports``), a list in one of these formats has the same filters and order as its
JSON, is unpaginated (``page`` and ``page_size`` are checked, then ignored) and is streamed: the
records are read in chunks, each chunk shaped by the list's own serializer (the JSON a client
would read, so every format says what the API says), then written out. Errors stay JSON.

- ``jsonld`` (``application/ld+json``) on claims: schema.org ``Claim``, and a ``ClaimReview`` for
  each claim whose status is not ``unverified`` (``claimreview.py``);
- ``annotations`` on claims and on a source: W3C Web Annotations of the quotes
  (``webannotation.py``);
- ``timelinejs`` on events: the TimelineJS3 JSON (``timelinejs.py``);
- ``ics`` (``text/calendar``) on events: all-day VEVENTs (``ical.py``);
- ``geojson`` (``application/geo+json``) on events: an RFC 7946 FeatureCollection (``geo.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework import renderers
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tracker import visibility

CHUNK_SIZE = 500  # records read, shaped and written at a time


class FormatRenderer(renderers.BaseRenderer):
    """A format of the API beyond JSON and CSV. A list in it is streamed by its ``ListFormat``;
    a response built as data (a source's annotations) is encoded as JSON here."""

    charset = "utf-8"
    # What the OpenAPI document says a 200 in this format holds.
    openapi_schema: dict[str, Any] = {"type": "object"}

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return b"" if data is None else orjson.dumps(data)


class JSONLDRenderer(FormatRenderer):
    media_type = "application/ld+json"
    format = "jsonld"
    openapi_schema = {
        "type": "object",
        "description": "schema.org JSON-LD: a @graph of Claim and ClaimReview nodes.",
        "required": ["@context", "@graph"],
        "properties": {
            "@context": {"type": "string"},
            "@graph": {"type": "array", "items": {"type": "object"}},
        },
    }


class AnnotationsRenderer(FormatRenderer):
    media_type = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    format = "annotations"
    openapi_schema = {
        "type": "object",
        "description": "A W3C Web Annotation collection: each quote anchored in its source.",
        "required": ["@context", "type"],
        "properties": {
            "@context": {"type": "string"},
            "type": {"type": "string"},
            "total": {"type": "integer"},
            "first": {"type": "object"},
        },
    }


class TimelineJSRenderer(FormatRenderer):
    media_type = "application/vnd.timelinejs+json"  # TimelineJS3's JSON; it has no media type
    format = "timelinejs"
    openapi_schema = {
        "type": "object",
        "description": "The TimelineJS3 JSON: a title slide and one slide per event.",
        "required": ["events"],
        "properties": {
            "title": {"type": "object"},
            "events": {"type": "array", "items": {"type": "object"}},
        },
    }


class ICSRenderer(FormatRenderer):
    media_type = "text/calendar"
    format = "ics"
    openapi_schema = {"type": "string", "description": "An RFC 5545 VCALENDAR."}


class GeoJSONRenderer(FormatRenderer):
    media_type = "application/geo+json"
    format = "geojson"
    openapi_schema = {
        "type": "object",
        "description": "An RFC 7946 FeatureCollection; an event without a place has no geometry.",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    }


@dataclass(frozen=True)
class ListFormat:
    """How a list is written in one format: ``queryset`` is what the list's filters apply to,
    ``write(records, request)`` yields the body's pieces (text)."""

    renderer: type[FormatRenderer]
    queryset: Callable[[], QuerySet[Any]]
    write: Callable[..., Iterator[str]]

    def stream(self, records: QuerySet[Any], request: Request) -> StreamingHttpResponse:
        # A HEAD request gets the headers only: nothing is read.
        body = [] if request.method == "HEAD" else self.write(records, request)
        renderer = self.renderer
        return StreamingHttpResponse(
            (piece.encode(renderer.charset) for piece in body),
            content_type=f"{renderer.media_type}; charset={renderer.charset}",
        )


class _WithoutFormat:
    """A request as the serializers should see it: without ``?format=``, which DRF would carry
    into every URL they build (``.../events/3/?format=ics``)."""

    def __init__(self, request: Request):
        self._request = request
        self.GET = request.GET.copy()
        self.GET.pop(api_settings.URL_FORMAT_OVERRIDE, None)
        self.query_params = self.GET

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


readers = visibility.reads_as_reader  # embeds keep to what readers may read


def serializer_context(request: Request) -> dict[str, Any]:
    return {"request": _WithoutFormat(request)}


def chunks(records: QuerySet[Any], size: int | None = None) -> Iterator[list[Any]]:
    """The records, ``size`` (``CHUNK_SIZE``) at a time (one query, read with a cursor)."""
    size = size or CHUNK_SIZE
    rows = records.iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        yield chunk


def json_array(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The items of a JSON array, comma-separated (the brackets are the caller's)."""
    first = True
    for item in items:
        yield ("" if first else ",") + orjson.dumps(item).decode()
        first = False
