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
- an event's embedded ``claims`` become ``claims`` (how many) and ``claim_ids``; its
  ``sources`` become their slugs, joined by ``;``;
- links to other lists (``claims_url``, ``events_url``) are left out;
- ``null`` is an empty cell.

Errors stay JSON whatever was asked for, with their usual status.

The same mixins answer the formats of ``tracker.api.formats`` (ClaimReview, Web Annotation,
TimelineJS, iCalendar, GeoJSON) that a view names in ``formats``, streamed the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from tracker import shapes, visibility
from tracker.api.formats import FormatRenderer, ListFormat
from tracker.api.pagination import Pagination, positive_int
from tracker.api.renderers import CSVRenderer, csv_lines
from tracker.models import Actor, Claim, Event, Source
from tracker.selectors import rows

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView
    from rest_framework.renderers import BaseRenderer
    from rest_framework.response import Response
    from rest_framework.viewsets import ModelViewSet

    _View = GenericAPIView[Any]
    _ListView = ModelViewSet[Any]
else:
    _View = _ListView = object

CHUNK_SIZE = 2000  # rows fetched per round trip while streaming (and per query for their lists)
_PK = "0000pk0000"  # stands for the primary key in a reversed detail URL
URL = object()  # a column whose value is the record's API address
Row = dict[str, Any]


@dataclass(frozen=True)
class Export:
    """One resource's CSV: its file name, the queryset the list's filters apply to, the selector
    that reads its rows, and its columns in order (a name and a function of a row), from its
    shape (``columns_of``)."""

    name: str
    detail_view: str
    queryset: Callable[[], QuerySet[Any]]
    rows: Callable[..., Iterator[Row]]
    columns: tuple[tuple[str, Any], ...]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]

    def lines(self, records: QuerySet[Any], request: Request) -> Iterator[str]:
        url = request.build_absolute_uri(reverse(self.detail_view, args=[_PK]))
        getters = [
            (lambda row: url.replace(_PK, str(row["id"]))) if value is URL else value
            for _, value in self.columns
        ]
        readers = visibility.reads_as_reader(request)
        rows = self.rows(records, chunk_size=CHUNK_SIZE, readers=readers)
        return csv_lines(self.header, ([get(row) for get in getters] for row in rows))

    def stream(self, records: QuerySet[Any], request: Request) -> StreamingHttpResponse:
        # A HEAD request gets the headers only: nothing is read.
        lines = [] if request.method == "HEAD" else _batched(self.lines(records, request))
        return StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")


def _batched(lines: Iterator[str], size: int = 500) -> Iterator[str]:
    """Hand the server a few hundred lines at a time rather than one write per row."""
    while batch := list(islice(lines, size)):
        yield "".join(batch)


def _or_none(key: str) -> Callable[[Row], Any]:
    """An optional text field: empty means absent, as in the JSON (``url`` is ``null``)."""
    return lambda row: row[key] or None


def _joined(key: str, item: Callable[[Any], Any] = str) -> Callable[[Row], str]:
    return lambda row: ";".join(item(x) for x in row[key])


def _relations(row: Row) -> str:
    outgoing = [f"{kind}:outgoing:{other}" for kind, other in row["relations_out"]]
    incoming = [f"{kind}:incoming:{other}" for kind, other in row["relations_in"]]
    return ";".join(outgoing + incoming)


Cells = dict[str, tuple[tuple[str, Any], ...]]


def columns_of(shape: shapes.Shape, cells: Cells) -> tuple[tuple[str, Any], ...]:
    """A shape's CSV columns in its order, named like the JSON: one per ``Column`` (an empty
    optional text is null), one per field of an ``Embedded`` shape (``claimant.slug``), the
    record's address for its ``Url``; ``Link`` fields are left out. The fields a row cannot hold
    as one plain value (lists, values computed from them) take the columns ``cells`` gives."""
    columns: list[tuple[str, Any]] = []
    for field in shape.fields:
        if field.name in cells:
            columns += cells[field.name]
        elif isinstance(field, shapes.Column):
            columns.append((field.name, _cell(field.path, field.convert)))
        elif isinstance(field, shapes.Embedded):
            columns += [
                (f"{field.name}.{name}", _cell(f"{field.path}__{path}", column.convert))
                for name, (path, column) in zip(
                    field.shape.names, field.shape.flat_columns(), strict=True
                )
            ]
        elif isinstance(field, shapes.Url):
            columns.append((field.name, URL))
        elif not isinstance(field, shapes.Link):
            raise ValueError(f"{shape.name}: the export has no columns for {field.name!r}")
    if unknown := set(cells) - set(shape.names):
        raise ValueError(f"{shape.name}: columns for fields it does not have: {sorted(unknown)}")
    return tuple(columns)


def _cell(key: str, convert: str | None) -> Callable[[Row], Any]:
    return _or_none(key) if convert == shapes.OPTIONAL else itemgetter(key)


EVENTS = Export(
    name="events",
    detail_view="event-detail",
    queryset=Event.objects.all,
    rows=rows.event_rows,
    columns=columns_of(
        shapes.EVENT,
        {
            "actors": (("actors", _joined("actors", lambda actor: f"{actor[0]}:{actor[1]}")),),
            "tags": (("tags", _joined("tags")),),
            "attested": (("attested", lambda row: any(quoted for _, quoted in row["evidence"])),),
            "sources": (
                (
                    "sources",
                    lambda row: ";".join(dict.fromkeys(slug for slug, _ in row["evidence"])),
                ),
            ),
            "claims": (
                ("claims", lambda row: len(row["claim_ids"])),
                ("claim_ids", _joined("claim_ids")),
            ),
        },
    ),
)

CLAIMS = Export(
    name="claims",
    detail_view="claim-detail",
    queryset=Claim.objects.all,
    rows=rows.claim_rows,
    columns=columns_of(
        shapes.CLAIM,
        {"events": (("events", _joined("events")),), "relations": (("relations", _relations),)},
    ),
)

ACTORS = Export(
    name="actors",
    detail_view="actor-detail",
    queryset=Actor.objects.all,
    rows=rows.actor_rows,
    columns=columns_of(shapes.ACTOR, {"aliases": (("aliases", _joined("aliases")),)}),
)

SOURCES = Export(
    name="sources",
    detail_view="source-detail",
    queryset=Source.objects.all,
    rows=rows.source_rows,
    columns=columns_of(shapes.SOURCE, {"credits": (("credits", _joined("credits")),)}),
)


def check_page_parameters(request: Request) -> None:
    """A 400 naming ``page`` or ``page_size`` when either is not a positive whole number."""
    paginator = Pagination()
    for name in (paginator.page_query_param, paginator.page_size_query_param):
        positive_int(request, name)


class CSVMixin(_View):
    """Adds ``text/csv`` to a view's representations (lists and stats, not details), and the
    formats of ``tracker.api.formats`` a view lists in ``formats`` (by action).

    Errors are rendered as JSON whatever was negotiated, and a CSV answer names a file.
    """

    csv_name = "export"
    csv_actions: tuple[str, ...] | None = None  # a viewset's actions that offer CSV; None: all
    # Per action, the other formats it answers: {"list": {"geojson": geo.EVENTS, ...}}; a
    # format's value is its ListFormat on a list, its renderer class elsewhere.
    formats: dict[str, dict[str, Any]] = {}

    def _format_renderers(self) -> list[Any]:
        action = getattr(self, "action", None)
        return [
            (fmt.renderer if isinstance(fmt, ListFormat) else fmt)()
            for fmt in self.formats.get(action or "", {}).values()
        ]

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = [*super().get_renderers(), *self._format_renderers()]
        action = getattr(self, "action", None)
        if self.csv_actions is not None and action not in self.csv_actions:
            return renderers
        return [*renderers, CSVRenderer()]

    def csv_requested(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, CSVRenderer)

    def format_requested(self) -> str | None:
        """The name of the format of ``tracker.api.formats`` negotiated, if one was."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer.format if isinstance(renderer, FormatRenderer) else None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        exported = self.csv_requested() or self.format_requested()
        if exported and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.csv_requested() and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        return response


class ListExportMixin(CSVMixin, _ListView):
    """A viewset's list as a streamed, unpaginated CSV export; ``export`` says what it holds."""

    export: Export
    csv_actions = ("list",)  # not details, writes or history

    @property  # read-only here: a list's file is named after its export
    def csv_name(self) -> str:  # type: ignore[override]
        return self.export.name

    def _list_format(self) -> ListFormat | None:
        name = self.format_requested()
        if name is None or self.action != "list":
            return None
        return self.formats.get("list", {}).get(name)

    def get_queryset(self) -> QuerySet[Any]:
        if self.csv_requested() and self.action == "list":
            return self.export.queryset()
        if (streamed := self._list_format()) is not None:
            return streamed.queryset()
        return super().get_queryset()

    # A list may stream (DRF sends any HttpResponseBase; its stubs say Response).
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> StreamingHttpResponse | Response:
        streamed = self._list_format()
        if not self.csv_requested() and streamed is None:
            return super().list(request, *args, **kwargs)
        # The export is every row, unpaginated; page and page_size are still refused when they
        # are not what the document says (a positive whole number), as on the JSON list.
        check_page_parameters(request)
        records = self.filter_queryset(self.get_queryset())
        if streamed is not None:
            return streamed.stream(records, request)
        return self.export.stream(records, request)
