"""CSV exports: the flat columns of each resource, and the views' CSV behaviour.

Every list (``/events/``, ``/claims/``, ``/actors/``, ``/sources/``) answers ``?format=csv`` or
``Accept: text/csv`` with the same filters and the same order as its JSON, unpaginated (``page``
and ``page_size`` are ignored), streamed from the database in chunks so an export of any size
runs in constant memory. Stats endpoints answer CSV too (their rows are already flat).

How nested fields flatten (the JSON field names are kept):

- an embedded object becomes one column per field, ``object.field`` (``claimant.slug``,
  ``source.title``, ``affiliation.name``);
- a list becomes one cell, its items joined by ``;``: slugs for ``tags`` and a claim's
  ``events``; ``slug:role`` for an event's ``actors``; ``type:direction:claim-id`` for a claim's
  ``relations``; the aliases as written for an actor's ``aliases``;
- an event's embedded ``claims`` become ``claims`` (how many) and ``claim_ids``;
- links to other lists (``claims_url``, ``events_url``) are left out;
- ``null`` is an empty cell.

Errors stay JSON whatever was asked for, with their usual status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from tracker import selectors
from tracker.api.renderers import CSVRenderer, csv_lines

CHUNK_SIZE = 2000  # rows fetched (and prefetched for) per round trip while streaming
_PK = "0000pk0000"  # stands for the primary key in a reversed detail URL
URL = object()  # a column whose value is the record's API address


@dataclass(frozen=True)
class Export:
    """One resource's CSV: its file name, the queryset that feeds it, its columns in order."""

    name: str
    queryset: Callable[[], QuerySet]
    detail_view: str
    columns: tuple[tuple[str, Any], ...]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]

    def rows(self, records, request) -> Iterator[list]:
        url = request.build_absolute_uri(reverse(self.detail_view, args=[_PK]))
        getters = [
            (lambda record: url.replace(_PK, str(record.pk))) if value is URL else value
            for _, value in self.columns
        ]
        for record in records:
            yield [getter(record) for getter in getters]

    def stream(self, queryset: QuerySet, request) -> StreamingHttpResponse:
        records = queryset.iterator(chunk_size=CHUNK_SIZE)  # prefetches run once per chunk
        response = StreamingHttpResponse(
            _batched(csv_lines(self.header, self.rows(records, request))),
            content_type="text/csv; charset=utf-8",
        )
        return response


def _batched(lines: Iterator[str], size: int = 500) -> Iterator[str]:
    """Hand the server a few hundred lines at a time rather than one write per row."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def _get(path: str) -> Callable[[Any], Any]:
    """``a.b`` of a record, or None where a link on the way is missing (no publisher ...)."""
    first, *rest = path.split(".")

    def value(record):
        value = getattr(record, first)
        for name in rest:
            if value is None:
                return None
            value = getattr(value, name)
        return value

    return value


def _or_none(getter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An optional text field: empty means absent, as in the JSON (``url`` is ``null``)."""
    return lambda record: getter(record) or None


def _joined(items: Callable[[Any], Any], item: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda record: ";".join(str(item(x)) for x in items(record))


def _relations(claim) -> str:
    outgoing = [f"{rel.type}:outgoing:{rel.to_claim_id}" for rel in claim.relations_out.all()]
    incoming = [f"{rel.type}:incoming:{rel.from_claim_id}" for rel in claim.relations_in.all()]
    return ";".join(outgoing + incoming)


def _brief(prefix: str) -> tuple[tuple[str, Any], ...]:
    """The columns of an embedded actor (``ActorBriefSerializer``): id, slug, name, kind."""
    names = ("id", "slug", "name", "kind")
    return tuple((f"{prefix}.{name}", _get(f"{prefix}.{name}")) for name in names)


def _fields(*names: str) -> tuple[tuple[str, Any], ...]:
    return tuple((name, attrgetter(name)) for name in names)


EVENTS = Export(
    name="events",
    queryset=selectors.event_export_queryset,
    detail_view="event-detail",
    columns=(
        ("id", attrgetter("pk")),
        ("url", URL),
        *_fields("slug", "title", "summary", "date", "date_start", "date_end", "date_precision"),
        ("location", attrgetter("location")),
        ("actors", _joined(lambda e: e.participations.all(), lambda p: f"{p.actor.slug}:{p.role}")),
        ("tags", _joined(lambda e: e.tags.all(), attrgetter("slug"))),
        ("claims", lambda event: len(event.claims.all())),
        ("claim_ids", _joined(lambda e: e.claims.all(), attrgetter("pk"))),
    ),
)

CLAIMS = Export(
    name="claims",
    queryset=selectors.claim_queryset,
    detail_view="claim-detail",
    columns=(
        ("id", attrgetter("pk")),
        ("url", URL),
        *_fields("slug", "text", "quote", "quote_start", "quote_end"),
        *_brief("claimant"),
        *((f"source.{name}", _get(f"source.{name}")) for name in ("id", "slug", "title")),
        ("source.publisher", _get("source.publisher.name")),
        ("source.published", _get("source.published")),
        ("source.url", _or_none(_get("source.url"))),
        *_fields("stated", "stated_start", "stated_end", "stated_precision", "status"),
        ("events", _joined(lambda c: c.events.all(), attrgetter("slug"))),
        ("relations", _relations),
    ),
)

ACTORS = Export(
    name="actors",
    queryset=selectors.actor_queryset,
    detail_view="actor-detail",
    columns=(
        ("id", attrgetter("pk")),
        ("url", URL),
        *_fields("slug", "name", "kind", "title"),
        *_brief("affiliation"),
        ("aliases", lambda actor: ";".join(actor.aliases)),
    ),
)

SOURCES = Export(
    name="sources",
    queryset=selectors.source_list_queryset,
    detail_view="source-detail",
    columns=(
        ("id", attrgetter("pk")),
        ("url", URL),
        *_fields("slug", "title"),
        *_brief("publisher"),
        ("author", attrgetter("author")),
        ("document_url", _or_none(attrgetter("url"))),
        *_fields("published", "published_start", "published_end", "published_precision"),
        *_fields("language", "notes"),
    ),
)


class CSVMixin:
    """Adds ``text/csv`` to a view's representations (lists and stats, not details).

    Errors are rendered as JSON whatever was negotiated, and a CSV answer names a file.
    """

    csv_name = "export"

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "retrieve":
            return renderers
        return [*renderers, CSVRenderer()]

    def csv_requested(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, CSVRenderer)

    def finalize_response(self, request, response, *args, **kwargs):
        if self.csv_requested() and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.csv_requested() and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        return response


class ListExportMixin(CSVMixin):
    """A viewset's list as a streamed, unpaginated CSV export; ``export`` says what it holds."""

    export: Export

    @property
    def csv_name(self) -> str:
        return self.export.name

    def get_queryset(self):
        if self.csv_requested() and self.action == "list":
            return self.export.queryset()
        return super().get_queryset()

    def list(self, request, *args, **kwargs):
        if not self.csv_requested():
            return super().list(request, *args, **kwargs)
        return self.export.stream(self.filter_queryset(self.get_queryset()), request)
