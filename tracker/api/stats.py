"""The stats endpoints: aggregates for charts, each a list of flat objects (JSON or CSV).

A view validates its parameters (a 400 naming any bad one), hands the filtered queryset to one
selector in ``tracker.selectors`` (one or two queries whatever the data size) and returns its
rows. The meaning of every count is documented on the selector and in docs/dashboards.md.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics
from rest_framework.fields import ChoiceField, IntegerField, empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from tracker.api import record_cache, serializers
from tracker.api.as_of import AsOfMixin
from tracker.api.caching import CachingMixin
from tracker.api.exports import CSVMixin
from tracker.api.filters import ClaimFilter, EventStatsFilter
from tracker.api.parameters import KnownParametersMixin
from tracker.models import Actor, ActorKind, Claim, Source
from tracker.selectors import aggregates, querysets
from tracker.visibility import VisibleRecordsMixin


class ChoiceParameter(ChoiceField):
    """One of a few values; anything else is refused in the words of the lists' choice filters
    (Django's), so that every parameter of the API says it alike. An empty value is one not given
    (``?bucket=`` takes the default), as for every optional field of a serializer."""

    default_error_messages = {
        "invalid_choice": "Select a valid choice. {input} is not one of the available choices."
    }


class LimitParameter(IntegerField):
    """How many rows a page or ranking holds: a positive whole number (default the setting
    ``default``), capped quietly at the setting ``maximum``."""

    default_error_messages = {
        "invalid": "Enter a whole number.",
        "max_string_length": "Enter a whole number.",
    }

    def __init__(
        self,
        *,
        default: str = "STATS_DEFAULT_LIMIT",
        maximum: str = "STATS_MAX_LIMIT",
        noun: str = "rows",
        **kwargs: Any,
    ) -> None:
        self.maximum = maximum
        super().__init__(
            min_value=1,
            default=lambda: getattr(settings, default),
            help_text=f"How many {noun} (default {getattr(settings, default)}, "
            f"capped at {getattr(settings, maximum)}).",
            **kwargs,
        )

    def run_validation(self, data: Any = empty) -> int:
        limit: int = super().run_validation(data)  # refuses 0 and below, then caps
        maximum: int = getattr(settings, self.maximum)
        return min(limit, maximum)


class StatsParameters(Serializer[Any]):
    """A stats endpoint's own query parameters, each a field: validated here (a 400 naming any
    bad one), and documented from the same fields (drf-spectacular makes a serializer given in
    ``parameters`` one query parameter per field, its choices the parameter's enum). A parameter
    left out, or empty, takes its field's default."""


class StatsView(
    VisibleRecordsMixin,
    AsOfMixin,
    CachingMixin,
    CSVMixin,
    KnownParametersMixin,
    generics.GenericAPIView[Any],
):
    """Validate the parameters with ``parameters_class``, aggregate with :meth:`rows`, answer."""

    pagination_class = None
    parameters_class: type[StatsParameters] = StatsParameters

    def get(self, request: Request) -> Response:
        parameters = self.parameters_class(data=request.query_params)
        parameters.is_valid(raise_exception=True)
        self.params = parameters.validated_data
        # Computed once per record version and parameters (tracker.api.record_cache).
        rows = record_cache.rows(self, self.record_version, lambda: self.rows(**self.params))
        return Response(rows)

    # Each view takes its own parameters (its ``parameters_class``'s fields) by name.
    def rows(self, *args: Any, **params: Any) -> list[record_cache.StatsRow]:
        raise NotImplementedError

    def get_csv_header(self) -> list[str]:
        return list(cast("type[Serializer[Any]]", self.get_serializer_class())().fields)


class TimelineParameters(StatsParameters):
    bucket = ChoiceParameter(
        choices=["year", "month"], default="year", help_text="Per year or month."
    )


@extend_schema(
    parameters=[TimelineParameters],
    responses=serializers.TimelineBucketSerializer(many=True),
)
class TimelineStatsView(StatsView):
    """Events and the claims about them per year or month; takes the event filters too."""

    queryset = querysets.event_list_queryset()
    filterset_class = EventStatsFilter
    serializer_class = serializers.TimelineBucketSerializer
    parameters_class = TimelineParameters
    csv_name = "stats-timeline"

    def rows(self, *, bucket: str) -> list[record_cache.StatsRow]:
        events = self.filter_queryset(self.get_queryset())
        return aggregates.timeline(events=events, bucket=bucket, readers=self.readers)


class ActorStatsParameters(StatsParameters):
    kind = ChoiceParameter(
        choices=ActorKind.choices, required=False, help_text="Only actors of a kind."
    )
    rank = ChoiceParameter(
        choices=list(aggregates.ACTOR_RANKS),
        default="total",
        help_text="Order by events + claims (total), events or claims.",
    )
    limit = LimitParameter()


@extend_schema(
    parameters=[ActorStatsParameters],
    responses=serializers.ActorActivitySerializer(many=True),
)
class ActorStatsView(StatsView):
    """The most active actors: events they take part in and claims they made."""

    queryset = Actor.objects.none()  # for the schema; the selector reads the actors
    filter_backends = []
    serializer_class = serializers.ActorActivitySerializer
    parameters_class = ActorStatsParameters
    csv_name = "stats-actors"

    def rows(
        self, *, rank: str, limit: int, kind: str | None = None
    ) -> list[record_cache.StatsRow]:
        return aggregates.actor_activity(kind=kind, rank=rank, limit=limit, readers=self.readers)


class SourceStatsParameters(StatsParameters):
    by = ChoiceParameter(choices=["source", "publisher"], default="source", help_text="Group by.")
    limit = LimitParameter()


@extend_schema(
    parameters=[SourceStatsParameters],
    responses=PolymorphicProxySerializer(
        component_name="SourceStats",
        serializers=[serializers.SourceClaimsSerializer, serializers.PublisherClaimsSerializer],
        resource_type_field_name=None,
        many=True,
    ),
)
class SourceStatsView(StatsView):
    """Claims per source (``by=source``) or per publisher (``by=publisher``), most first."""

    queryset = Source.objects.none()  # for the schema; the selectors read the sources
    filter_backends = []
    parameters_class = SourceStatsParameters
    csv_name = "stats-sources"

    def get_serializer_class(self) -> type[Serializer[Any]]:
        if getattr(self, "params", {}).get("by") == "publisher":
            return serializers.PublisherClaimsSerializer
        return serializers.SourceClaimsSerializer

    def rows(self, *, by: str, limit: int) -> list[record_cache.StatsRow]:
        if by == "publisher":
            return aggregates.publisher_claims(limit=limit, readers=self.readers)
        return aggregates.source_claims(limit=limit, readers=self.readers)


class ClaimStatsParameters(StatsParameters):
    by = ChoiceParameter(
        choices=["year", "month", "status", "kind"],
        default="year",
        help_text="Per year or month of the stated date, per status, or per kind (statement, "
        "report).",
    )


@extend_schema(
    parameters=[ClaimStatsParameters],
    responses=PolymorphicProxySerializer(
        component_name="ClaimStats",
        serializers=[
            serializers.ClaimPeriodCountSerializer,
            serializers.ClaimStatusCountSerializer,
            serializers.ClaimKindCountSerializer,
        ],
        resource_type_field_name=None,
        many=True,
    ),
)
class ClaimStatsView(StatsView):
    """Claims per status or kind, or per period with a column per status; takes the claim
    filters."""

    queryset = Claim.objects.all()
    filterset_class = ClaimFilter
    parameters_class = ClaimStatsParameters
    csv_name = "stats-claims"

    def get_serializer_class(self) -> type[Serializer[Any]]:
        by = getattr(self, "params", {}).get("by")
        if by == "status":
            return serializers.ClaimStatusCountSerializer
        if by == "kind":
            return serializers.ClaimKindCountSerializer
        return serializers.ClaimPeriodCountSerializer

    def rows(self, *, by: str) -> list[record_cache.StatsRow]:
        claims = self.filter_queryset(self.get_queryset())
        return aggregates.claim_counts(claims=claims, by=by)
