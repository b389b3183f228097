"""The stats endpoints: aggregates for charts, each a list of flat objects (JSON or CSV).

A view validates its parameters (a 400 naming any bad one), hands the filtered queryset to one
selector in ``tracker.selectors`` (one or two queries whatever the data size) and returns its
rows. The meaning of every count is documented on the selector and in docs/dashboards.md.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.api import record_cache, serializers
from tracker.api.caching import CachingMixin
from tracker.api.exports import CSVMixin
from tracker.api.filters import ClaimFilter, EventStatsFilter
from tracker.api.parameters import KnownParametersMixin
from tracker.models import Actor, ActorKind, Claim, Source
from tracker.selectors import aggregates, querysets


def _choices(*values: str) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class LimitField(forms.IntegerField):
    """How many rows a ranking returns: a positive whole number, capped quietly at the maximum."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, required=False, **kwargs)

    def clean(self, value):
        limit = super().clean(value)
        return (
            settings.STATS_DEFAULT_LIMIT if limit is None else min(limit, settings.STATS_MAX_LIMIT)
        )


def _limit_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},  # LimitField refuses 0 and below
        description=f"How many rows (default {settings.STATS_DEFAULT_LIMIT}, "
        f"capped at {settings.STATS_MAX_LIMIT}).",
    )


class StatsView(CachingMixin, CSVMixin, KnownParametersMixin, generics.GenericAPIView):
    """Validate the parameters with ``form_class``, aggregate with :meth:`rows`, answer them."""

    pagination_class = None
    form_class: type[forms.Form] = forms.Form

    def get(self, request):
        form = self.form_class(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        self.params = form.cleaned_data
        # Computed once per record version and parameters (tracker.api.record_cache).
        rows = record_cache.rows(self, self.record_version, lambda: self.rows(**self.params))
        return Response(rows)

    def rows(self, **params) -> list[dict]:
        raise NotImplementedError

    def get_csv_header(self) -> list[str]:
        return list(self.get_serializer_class()().fields)


class TimelineForm(forms.Form):
    bucket = forms.ChoiceField(choices=_choices("year", "month"), required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("bucket", str, enum=["year", "month"], description="Default: year.")
    ],
    responses=serializers.TimelineBucketSerializer(many=True),
)
class TimelineStatsView(StatsView):
    """Events and the claims about them per year or month; takes the event filters too."""

    queryset = querysets.event_queryset()
    filterset_class = EventStatsFilter
    serializer_class = serializers.TimelineBucketSerializer
    form_class = TimelineForm
    csv_name = "stats-timeline"

    def rows(self, *, bucket):
        events = self.filter_queryset(self.get_queryset())
        return aggregates.timeline(events=events, bucket=bucket or "year")


class ActorStatsForm(forms.Form):
    kind = forms.ChoiceField(choices=ActorKind.choices, required=False)
    rank = forms.ChoiceField(choices=_choices(*aggregates.ACTOR_RANKS), required=False)
    limit = LimitField()


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, enum=ActorKind.values, description="Only actors of a kind."),
        OpenApiParameter(
            "rank",
            str,
            enum=list(aggregates.ACTOR_RANKS),
            description="Order by events + claims (total, the default), events or claims.",
        ),
        _limit_parameter(),
    ],
    responses=serializers.ActorActivitySerializer(many=True),
)
class ActorStatsView(StatsView):
    """The most active actors: events they take part in and claims they made."""

    queryset = Actor.objects.none()  # for the schema; the selector reads the actors
    filter_backends = []
    serializer_class = serializers.ActorActivitySerializer
    form_class = ActorStatsForm
    csv_name = "stats-actors"

    def rows(self, *, kind, rank, limit):
        return aggregates.actor_activity(kind=kind or None, rank=rank or "total", limit=limit)


class SourceStatsForm(forms.Form):
    by = forms.ChoiceField(choices=_choices("source", "publisher"), required=False)
    limit = LimitField()


@extend_schema(
    parameters=[
        OpenApiParameter(
            "by", str, enum=["source", "publisher"], description="Group by (default: source)."
        ),
        _limit_parameter(),
    ],
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
    form_class = SourceStatsForm
    csv_name = "stats-sources"

    def get_serializer_class(self):
        if getattr(self, "params", {}).get("by") == "publisher":
            return serializers.PublisherClaimsSerializer
        return serializers.SourceClaimsSerializer

    def rows(self, *, by, limit):
        if by == "publisher":
            return aggregates.publisher_claims(limit=limit)
        return aggregates.source_claims(limit=limit)


class ClaimStatsForm(forms.Form):
    by = forms.ChoiceField(choices=_choices("year", "month", "status", "kind"), required=False)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "by",
            str,
            enum=["year", "month", "status", "kind"],
            description="Per year (the default) or month of the stated date, per status, or "
            "per kind (statement, report).",
        )
    ],
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
    form_class = ClaimStatsForm
    csv_name = "stats-claims"

    def get_serializer_class(self):
        by = getattr(self, "params", {}).get("by")
        if by == "status":
            return serializers.ClaimStatusCountSerializer
        if by == "kind":
            return serializers.ClaimKindCountSerializer
        return serializers.ClaimPeriodCountSerializer

    def rows(self, *, by):
        claims = self.filter_queryset(self.get_queryset())
        return aggregates.claim_counts(claims=claims, by=by or "year")
