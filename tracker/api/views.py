"""API views: each a queryset from the selectors, a serializer and a FilterSet; no logic here.

Reads flow one way: the view reads (its queryset, and for events and claims what the records
shown embed, ``PageEmbedsMixin``), the serializer shapes. Reads are cached (``CachingMixin``:
ETag, Last-Modified, 304s) and lists export CSV (``ListExportMixin``); the stats endpoints are
in ``tracker.api.stats``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from tracker import services, shapes
from tracker.api import exports, serializers, write_serializers
from tracker.api.as_of import AsOfMixin
from tracker.api.caching import CachingMixin
from tracker.api.exports import ListExportMixin
from tracker.api.filters import ActorFilter, ClaimFilter, EventFilter, SourceFilter
from tracker.api.formats import (
    AnnotationsRenderer,
    claimreview,
    geo,
    ical,
    timelinejs,
    webannotation,
)
from tracker.api.viewsets import CuratedViewSet, curated_schema
from tracker.models import Source
from tracker.selectors import embeds, querysets

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    _View = GenericAPIView[Any]
else:
    _View = object


class PageEmbedsMixin(_View):
    """Reads what the records a serializer is about to show embed, once for all of them (a page,
    or the one record of a detail), and hands it to the serializer as ``context["embeds"]``.

    ``page_embeds`` is the selector, a function of the records' ids. The serializer only shapes
    what it is given (``tracker.api.serializers.page_embeds``).
    """

    page_embeds: Callable[..., embeds.EventEmbeds | embeds.ClaimLinks]
    page_shape: shapes.Shape  # the representation whose rows the list's page is read as
    readers: bool  # CuratedViewSet's: a reader's embeds keep to what readers may read

    @property
    def page_rows(self) -> shapes.Shape | None:
        """The shape whose rows the list's page is read as (``pagination.CompiledPaginator``):
        what the serializer's builder reads, without a model instance per record. Other
        actions' pages (a record's history) are read as they always are."""
        return self.page_shape if getattr(self, "action", None) == "list" else None

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]:
        records = args[0] if args else kwargs.get("instance")
        if records is None or "data" in kwargs:  # nothing shown, or a write's input
            return super().get_serializer(*args, **kwargs)
        kwargs.pop("instance", None)
        if kwargs.get("many"):
            records = list(records)  # read once: the ids for the embeds, then the records
        shown = records if kwargs.get("many") else [records]
        # ``id``: a row's, and the primary key of events and claims.
        kwargs["context"] = {
            **kwargs.get("context", self.get_serializer_context()),
            "embeds": self.page_embeds([record.id for record in shown], readers=self.readers),
        }
        serializer = super().get_serializer(records, *args[1:], **kwargs)
        self._shown_by = serializer  # let go of once the answer is rendered (``_let_go``)
        return serializer

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and not response.is_rendered:
            response.add_post_render_callback(self._let_go)
        return response

    def _let_go(self, rendered: Response) -> None:
        """Once the answer is rendered, let go of what it was made from, so that it is freed
        as soon as the server drops the answer rather than by the garbage collector.

        DRF keeps a page's rows, their embeds and their representation in reference cycles:
        a list serializer and its child refer to each other and share the context the embeds
        are in; the view and its response refer to each other (``view.response``, the
        response's ``renderer_context``), and the response's context to the response. All of it
        was left to the collector, which freed an events page of 50 (3,000 objects with
        references, and what they hold) in 0.75 ms at the next request's start, where freeing
        the same by reference counting takes a third of that (docs/benchmarks.md). The
        response keeps its ``data``; nothing reads the rest once the body is made."""
        serializer = self.__dict__.pop("_shown_by", None)
        if serializer is not None:
            serializer.__dict__.pop("_data", None)  # the representation: the response has it
            serializer.instance = None
            serializer.context.clear()  # shared with its child: the embeds, the request, this
        rendered.renderer_context = None  # type: ignore[attr-defined]  # view, request, itself
        # The view's own references to the response, the page's rows and the FilterSet (the
        # rest of it may still be read: AsOfMixin renders within its dispatch).
        for name in ("response", "_paginator", "filterset"):
            self.__dict__.pop(name, None)


@curated_schema(write_serializers.EventWriteSerializer, serializers.EventSerializer)
class EventViewSet(AsOfMixin, PageEmbedsMixin, CachingMixin, ListExportMixin, CuratedViewSet):
    """The timeline: events in date order, each with its participants, tags and sourced claims."""

    queryset = querysets.event_list_queryset()
    page_embeds = staticmethod(embeds.event_embeds)
    page_shape = shapes.EVENT
    serializer_class = serializers.EventSerializer
    filterset_class = EventFilter
    write_serializer_class = write_serializers.EventWriteSerializer
    delete_service = staticmethod(services.event_delete)
    export = exports.EVENTS
    formats = {"list": {"timelinejs": timelinejs.EVENTS, "ics": ical.EVENTS, "geojson": geo.EVENTS}}


@curated_schema(write_serializers.ClaimWriteSerializer, serializers.ClaimSerializer)
class ClaimViewSet(AsOfMixin, PageEmbedsMixin, CachingMixin, ListExportMixin, CuratedViewSet):
    """Claims: who said what, when, where it was reported, and which events it concerns."""

    queryset = querysets.claim_list_queryset()
    page_embeds = staticmethod(embeds.claim_links)
    page_shape = shapes.CLAIM
    serializer_class = serializers.ClaimSerializer
    filterset_class = ClaimFilter
    write_serializer_class = write_serializers.ClaimWriteSerializer
    delete_service = staticmethod(services.claim_delete)
    export = exports.CLAIMS
    # Annotations first: its media type is JSON-LD with a profile, which only it may match.
    formats = {"list": {"annotations": webannotation.CLAIMS, "jsonld": claimreview.CLAIMS}}


@curated_schema(write_serializers.ActorWriteSerializer, serializers.ActorSerializer)
class ActorViewSet(AsOfMixin, CachingMixin, ListExportMixin, CuratedViewSet):
    """People, states, organisations and media outlets."""

    queryset = querysets.actor_queryset()
    serializer_class = serializers.ActorSerializer
    filterset_class = ActorFilter
    write_serializer_class = write_serializers.ActorWriteSerializer
    delete_service = staticmethod(services.actor_delete)
    export = exports.ACTORS


@curated_schema(write_serializers.SourceWriteSerializer, serializers.SourceDetailSerializer)
class SourceViewSet(AsOfMixin, CachingMixin, ListExportMixin, CuratedViewSet):
    """Captured documents; a detail includes the text and where each claim's quote stands in it."""

    queryset = querysets.source_list_queryset()
    serializer_class = serializers.SourceSerializer
    filterset_class = SourceFilter
    write_serializer_class = write_serializers.SourceWriteSerializer
    delete_service = staticmethod(services.source_delete)
    history_renames = {"url": "document_url"}
    export = exports.SOURCES
    formats = {"retrieve": {"annotations": AnnotationsRenderer}}

    # Everything but the list shows (and writes answer with) the detail, text included.
    def get_queryset(self) -> QuerySet[Source]:
        if self.action != "list":
            return querysets.source_detail_queryset(readers=self.readers)
        return super().get_queryset()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action != "list":
            return serializers.SourceDetailSerializer
        return super().get_serializer_class()

    def detail_serializer(self) -> Serializer[Any]:
        return serializers.SourceDetailSerializer()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.format_requested() != "annotations":
            return super().retrieve(request, *args, **kwargs)
        # Its quotes as W3C Web Annotations, anchored in its text (tracker.api.formats).
        source = self.get_object()
        api_url = request.build_absolute_uri(request.path)
        items = webannotation.source_annotations(source, request, api_url=api_url)
        return Response(webannotation.collection(request.build_absolute_uri(), list(items)))
