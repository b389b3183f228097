"""API views: each a queryset from the selectors, a serializer and a FilterSet; no logic here."""

from __future__ import annotations

from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker import selectors, services
from tracker.api import serializers, write_serializers
from tracker.api.filters import ActorFilter, ClaimFilter, EventFilter, SourceFilter
from tracker.api.writes import CuratedViewSet, curated_schema


@curated_schema(write_serializers.EventWriteSerializer, serializers.EventSerializer)
class EventViewSet(CuratedViewSet):
    """The timeline: events in date order, each with its participants, tags and sourced claims."""

    queryset = selectors.event_queryset()
    serializer_class = serializers.EventSerializer
    filterset_class = EventFilter
    write_serializer_class = write_serializers.EventWriteSerializer
    delete_service = staticmethod(services.event_delete)


@curated_schema(write_serializers.ClaimWriteSerializer, serializers.ClaimSerializer)
class ClaimViewSet(CuratedViewSet):
    """Claims: who said what, when, where it was reported, and which events it concerns."""

    queryset = selectors.claim_queryset()
    serializer_class = serializers.ClaimSerializer
    filterset_class = ClaimFilter
    write_serializer_class = write_serializers.ClaimWriteSerializer
    delete_service = staticmethod(services.claim_delete)


@curated_schema(write_serializers.ActorWriteSerializer, serializers.ActorSerializer)
class ActorViewSet(CuratedViewSet):
    """People, states, organisations and media outlets."""

    queryset = selectors.actor_queryset()
    serializer_class = serializers.ActorSerializer
    filterset_class = ActorFilter
    write_serializer_class = write_serializers.ActorWriteSerializer
    delete_service = staticmethod(services.actor_delete)


@curated_schema(write_serializers.SourceWriteSerializer, serializers.SourceDetailSerializer)
class SourceViewSet(CuratedViewSet):
    """Captured documents; a detail includes the text and where each claim's quote stands in it."""

    queryset = selectors.source_list_queryset()
    serializer_class = serializers.SourceSerializer
    filterset_class = SourceFilter
    write_serializer_class = write_serializers.SourceWriteSerializer
    delete_service = staticmethod(services.source_delete)
    history_renames = {"url": "document_url"}

    # Everything but the list shows (and writes answer with) the detail, text included.
    def get_queryset(self):
        if self.action != "list":
            return selectors.source_detail_queryset()
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action != "list":
            return serializers.SourceDetailSerializer
        return super().get_serializer_class()


class BucketForm(forms.Form):
    bucket = forms.ChoiceField(choices=[("year", "year"), ("month", "month")], required=False)


class TimelineStatsView(generics.GenericAPIView):
    """Events and the claims about them per year or month; takes the event filters too."""

    queryset = selectors.event_queryset()
    filterset_class = EventFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    serializer_class = serializers.TimelineBucketSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("bucket", str, enum=["year", "month"], description="Default: year.")
        ],
        responses=serializers.TimelineBucketSerializer(many=True),
    )
    def get(self, request):
        form = BucketForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        events = self.filter_queryset(self.get_queryset())
        bucket = form.cleaned_data["bucket"] or "year"
        return Response(selectors.timeline(events=events, bucket=bucket))
