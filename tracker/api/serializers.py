"""Serializers of the v1 contract: brief forms for embedding, full forms for lists and details.

Each serializer's fields are those of its shape in ``tracker.shapes`` (``Meta.fields``), in its
order. Serializers never query: they read what the view's queryset joined and prefetched and,
for events and claims, what the view read for the page (``context["embeds"]``, from
``tracker.selectors.embeds``). Events and claims, the hot path, build their JSON with their
shape's builder rather than field by field; their declared fields remain the contract (the
OpenAPI schema, and the reference output the tests compare the fast path with, rendered when
the context has ``reference=True``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from tracker import shapes
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    EventActor,
    Place,
    RelationType,
    Source,
)
from tracker.selectors import embeds, querysets

# Where a record stands in review, and why: moved by transitions only (a PATCH of ``state``).
WORKFLOW_FIELDS = ("state", "state_rationale")
# A document's address, or null when the capture has none.
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


class ActorBriefSerializer(serializers.ModelSerializer[Actor]):
    class Meta:
        model = Actor
        fields = shapes.ACTOR_BRIEF.names


class PlaceSerializer(serializers.ModelSerializer[Place]):
    """Where an event happened: a WGS 84 point and the ids Wikidata and GeoNames know it by."""

    wikidata = serializers.CharField(allow_null=True, help_text="e.g. Q959; null if unknown.")

    class Meta:
        model = Place
        fields = shapes.PLACE.names


class ParticipantSerializer(serializers.ModelSerializer[EventActor]):
    """An event's actor with the part they played in it."""

    id = serializers.IntegerField(source="actor.id")
    slug = serializers.CharField(source="actor.slug")
    name = serializers.CharField(source="actor.name")
    kind = serializers.CharField(source="actor.kind")

    class Meta:
        model = EventActor
        fields = shapes.PARTICIPANT.names


class SourceBriefSerializer(serializers.ModelSerializer[Source]):
    publisher = serializers.CharField(
        source="publisher.name", allow_null=True, help_text="The publisher's name."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = shapes.SOURCE_BRIEF.names

    @extend_schema_field({**NULLABLE_URI, "description": "Where the document was published."})
    def get_url(self, source: Source) -> str | None:
        return source.url or None


class EventSourceSerializer(SourceBriefSerializer):
    """A source an event's claims come from, and how many of the event's claims it holds."""

    claims = serializers.IntegerField(help_text="How many of the event's claims it holds.")

    class Meta(SourceBriefSerializer.Meta):
        fields = shapes.EVENT_SOURCE.names


class RelationSerializer(serializers.Serializer[Any]):
    """One relation seen from a claim: ``outgoing`` (this claim supports/contradicts the other)
    or ``incoming`` (the other claim supports/contradicts this one)."""

    type = serializers.ChoiceField(choices=RelationType.choices)
    claim = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"])


class DetailURL:
    """``HyperlinkedIdentityField``'s URL for any pk, reversed once per serializer, not per row."""

    _PLACEHOLDER = "__pk__"

    def __init__(self, view_name: str, context: dict[str, Any]) -> None:
        request, url_format = context.get("request"), context.get("format")
        kwargs = {"pk": self._PLACEHOLDER}
        url = reverse(view_name, kwargs=kwargs, request=request, format=url_format)
        self.prefix, self.suffix = url.split(self._PLACEHOLDER)

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


def _cached_url(serializer: serializers.BaseSerializer[Any], view_name: str) -> DetailURL:
    """One ``DetailURL`` per view name per response, kept in the (shared) serializer context."""
    cache: dict[str, DetailURL] = serializer.context.setdefault("_detail_urls", {})
    if view_name not in cache:
        cache[view_name] = DetailURL(view_name, serializer.context)
    return cache[view_name]


def _reference(serializer: serializers.BaseSerializer[Any]) -> bool:
    """Render through the declared fields: the reference the fast path is tested against."""
    return bool(serializer.context.get("reference"))


def _rows(records: Sequence[Any]) -> bool:
    """Whether a page's records are rows of their shape (a list's page, read by
    ``PageEmbedsMixin``) rather than model instances (a detail, a write's answer)."""
    return bool(records) and isinstance(records[0], tuple)


def page_embeds(serializer: serializers.BaseSerializer[Any]) -> Any:
    """What the view read for the records shown (``context["embeds"]``): the page's
    ``embeds.event_embeds`` or ``embeds.claim_links``. Serializers shape; they never query."""
    try:
        return serializer.context["embeds"]
    except KeyError:
        raise ImproperlyConfigured(
            f"{type(serializer).__name__} shapes what the view read for its records: pass "
            "the page's embeds as context['embeds'] (see tracker.api.views.PageEmbedsMixin)."
        ) from None


class PageSerializer(serializers.ListSerializer[Any]):
    """A page of events or claims: the child's ``represent`` shapes them all with what the view
    read for the page (or, for the reference, each renders through its declared fields)."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        records = list(data.all() if hasattr(data, "all") else data)
        # The child is the serializer whose Meta names this class: one of these two.
        child = cast("ClaimSerializer | EventSerializer", self.child)
        if _reference(child):
            return [child.to_representation(record) for record in records]
        return child.represent(records, page_embeds(child))


class ClaimSerializer(serializers.HyperlinkedModelSerializer[Claim]):
    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    # DRF's metaclass moves declared fields off the class; the stubs see Field.source instead.
    source = SourceBriefSerializer()  # type: ignore[assignment]
    events: serializers.SlugRelatedField[Event] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    relations = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = shapes.CLAIM.names
        read_only_fields = WORKFLOW_FIELDS
        list_serializer_class = PageSerializer

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, claim: Claim) -> list[dict[str, Any]]:
        outgoing = [
            {"type": rel.type, "claim": rel.to_claim_id, "direction": "outgoing"}
            for rel in claim.relations_out.all()
        ]
        incoming = [
            {"type": rel.type, "claim": rel.from_claim_id, "direction": "incoming"}
            for rel in claim.relations_in.all()
        ]
        return outgoing + incoming

    def to_representation(self, claim: Claim) -> dict[str, Any]:
        if _reference(self):
            return super().to_representation(claim)
        return self.represent([claim], page_embeds(self))[0]

    def represent(self, claims: Iterable[Claim], links: embeds.ClaimLinks) -> list[dict[str, Any]]:
        """The claims' JSON, from the claims (a page's rows of ``shapes.CLAIM``, or records with
        their claimant and source joined: ``querysets.claim_list_queryset``) and ``links``, their
        events and relations as the view read them for the page (``embeds.claim_links``); the
        tests compare it with the declared fields' output on the seed record and on generated
        data."""
        claims = list(claims)
        build = shapes.CLAIM.builder(
            records=not _rows(claims), url=_cached_url(self, "claim-detail"), **claim_lists(links)
        )
        return [build(claim) for claim in claims]


class ClaimLists(TypedDict):
    """The listed fields of a claim, each a function of the claim's id (``claim_lists``)."""

    events: Callable[[int], list[str]]
    relations: Callable[[int], list[dict[str, Any]]]


def claim_lists(links: embeds.ClaimLinks) -> ClaimLists:
    """The listed fields of a claim (``shapes.CLAIM``), by claim id, from its page's links: its
    events' slugs, and its relations, outgoing then incoming, each made once for the page."""
    relations: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, items in links.relations_out.items():
        relations[pk] += [
            {"type": kind, "claim": other, "direction": "outgoing"} for kind, other in items
        ]
    for pk, items in links.relations_in.items():
        relations[pk] += [
            {"type": kind, "claim": other, "direction": "incoming"} for kind, other in items
        ]
    events: defaultdict[int, list[str]] = defaultdict(list, links.events)
    return {"events": events.__getitem__, "relations": relations.__getitem__}


def event_evidence(claim_rows: Sequence[Any]) -> tuple[bool, list[dict[str, Any]]]:
    """An event's ``attested`` and ``sources`` from its claims' rows (``embeds.ClaimRow``):
    attested when a claim has a quote (every claim has a source); the distinct sources
    (``shapes.EVENT_SOURCE``) in order of publication, each with its count of claims."""
    counts = Counter(row.source__id for row in claim_rows)
    build = shapes.EVENT_SOURCE.builder(prefix="source__", claims=counts.__getitem__)
    rows = {row.source__id: row for row in claim_rows}  # any of a source's rows: its columns
    sources = [build(row) for row in rows.values()]
    sources.sort(key=lambda source: (source["published"], source["slug"]))
    return any(row.quote for row in claim_rows), sources


def embedded_claim_kind(serializer: serializers.BaseSerializer[Any]) -> str | None:
    """``claim_kind`` of an events request (validated by ``EventFilter``): the kind of claims
    each event embeds; its ``sources`` and ``attested`` still count them all."""
    request = serializer.context.get("request")
    params = getattr(request, "query_params", None) or getattr(request, "GET", {})
    kind: str | None = params.get("claim_kind") or None
    return kind


class EventSerializer(serializers.HyperlinkedModelSerializer[Event]):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    actors = ParticipantSerializer(source="participations", many=True, read_only=True)
    tags: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    attested = serializers.SerializerMethodField(
        help_text="True when at least one claim with a quote from its source attaches to it."
    )
    sources = serializers.SerializerMethodField(
        help_text="The distinct sources of its claims: where the event is reported."
    )
    claims = serializers.SerializerMethodField()
    place = PlaceSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Event
        fields = shapes.EVENT.names
        read_only_fields = WORKFLOW_FIELDS
        list_serializer_class = PageSerializer

    # The declared fields' output: the reference the fast path is tested against.
    def get_attested(self, event: Event) -> bool:
        return any(claim.quote for claim in event.claims.all())

    @extend_schema_field(EventSourceSerializer(many=True))
    def get_sources(self, event: Event) -> list[dict[str, Any]]:
        sources: dict[int, dict[str, Any]] = {}
        for claim in event.claims.all():
            brief = SourceBriefSerializer(claim.source, context=self.context).data
            sources.setdefault(claim.source_id, {**brief, "claims": 0})["claims"] += 1
        return sorted(sources.values(), key=lambda source: (source["published"], source["slug"]))

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, event: Event) -> list[dict[str, Any]]:
        kind = embedded_claim_kind(self)
        claims = [claim for claim in event.claims.all() if kind in (None, claim.kind)]
        # many=True makes a list serializer, whose data is a list (the stubs see the child's).
        return cast(
            "list[dict[str, Any]]", ClaimSerializer(claims, many=True, context=self.context).data
        )

    def to_representation(self, event: Event) -> dict[str, Any]:
        if _reference(self):
            return super().to_representation(event)
        return self.represent([event], page_embeds(self))[0]

    def represent(self, events: Sequence[Event], page: embeds.EventEmbeds) -> list[dict[str, Any]]:
        """The events' JSON, from the events (a page's rows of ``shapes.EVENT``, or records with
        their place joined: ``querysets.event_list_queryset``) and ``page``, what they embed as
        the view read it for the page (``embeds.event_embeds``): rows, no model instance per
        embedded record."""
        kind = embedded_claim_kind(self)
        claim = shapes.CLAIM.builder(
            url=_cached_url(self, "claim-detail"), **claim_lists(page.links)
        )
        participant = shapes.PARTICIPANT.builder()
        evidence: dict[int, tuple[bool, list[dict[str, Any]]]] = {}
        shown: dict[int, Sequence[Any]] = {}
        for event in events:
            rows: Sequence[Any] = page.claims.get(event.id, ())
            evidence[event.id] = event_evidence(rows)
            shown[event.id] = rows if kind is None else [row for row in rows if row.kind == kind]
        build = shapes.EVENT.builder(
            records=not _rows(events),
            url=_cached_url(self, "event-detail"),
            actors=lambda pk: [participant(row) for row in page.participants.get(pk, ())],
            tags=lambda pk: page.tags.get(pk, []),
            attested=lambda pk: evidence[pk][0],
            sources=lambda pk: evidence[pk][1],
            claims=lambda pk: [claim(row) for row in shown[pk]],
        )
        return [build(event) for event in events]


class _LinksMixin:
    """Links to the lists filtered to this record, so a client can follow them."""

    shape: shapes.Shape  # its ``Link`` fields name each list and the parameter to filter it by
    if TYPE_CHECKING:  # the serializer's, which the class this mixes into provides

        @property
        def context(self) -> dict[str, Any]: ...

    def _link(self, obj: Actor | Source, name: str) -> str:
        link = self.shape.field(name)
        if not isinstance(link, shapes.Link):
            raise TypeError(f"{name} is not a link of {self.shape!r}.")
        url = reverse(link.view, request=self.context.get("request"))
        return f"{url}?{link.param}={obj.slug}"


class ActorSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer[Actor]):
    url = serializers.HyperlinkedIdentityField(view_name="actor-detail")
    affiliation = ActorBriefSerializer(allow_null=True)
    wikidata = serializers.SerializerMethodField(help_text="The Wikidata item, e.g. Q7747.")
    claims_url = serializers.SerializerMethodField()
    events_url = serializers.SerializerMethodField()
    shape = shapes.ACTOR

    class Meta:
        model = Actor
        fields = shapes.ACTOR.names
        read_only_fields = WORKFLOW_FIELDS

    @extend_schema_field({"type": "string", "pattern": r"^Q[1-9][0-9]*$", "nullable": True})
    def get_wikidata(self, actor: Actor) -> str | None:
        return actor.wikidata or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, actor: Actor) -> str:
        return self._link(actor, "claims_url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_events_url(self, actor: Actor) -> str:
        return self._link(actor, "events_url")


class SourceSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer[Source]):
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    publisher = ActorBriefSerializer(allow_null=True)
    document_url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField(help_text="An archived copy, if any.")
    credits = ActorBriefSerializer(
        many=True, read_only=True, help_text="Outlets or agencies the document credits."
    )
    claims_url = serializers.SerializerMethodField()
    shape = shapes.SOURCE

    class Meta:
        model = Source
        fields = shapes.SOURCE.names
        read_only_fields = WORKFLOW_FIELDS

    @extend_schema_field(NULLABLE_URI)
    def get_document_url(self, source: Source) -> str | None:
        """Where the document was published (the model's ``url``; ``url`` here is the API's)."""
        return source.url or None

    @extend_schema_field(NULLABLE_URI)
    def get_archive_url(self, source: Source) -> str | None:
        return source.archive_url or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, source: Source) -> str:
        return self._link(source, "claims_url")


class SourceClaimSerializer(serializers.HyperlinkedModelSerializer[Claim]):
    """A claim as listed under its source: where its quote stands in the text."""

    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    events: serializers.SlugRelatedField[Event] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = Claim
        fields = shapes.SOURCE_CLAIM.names
        read_only_fields = WORKFLOW_FIELDS


class EventBriefSerializer(serializers.HyperlinkedModelSerializer[Event]):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = shapes.EVENT_BRIEF.names


class SourceDetailSerializer(SourceSerializer):
    claims = SourceClaimSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField(help_text="The events its claims concern.")

    class Meta(SourceSerializer.Meta):
        fields = shapes.SOURCE_DETAIL.names

    @extend_schema_field(EventBriefSerializer(many=True))
    def get_events(self, source: Source) -> list[dict[str, Any]]:
        events = querysets.source_events(source)
        # many=True makes a list serializer, whose data is a list (the stubs see the child's).
        return cast(
            "list[dict[str, Any]]",
            EventBriefSerializer(events, many=True, context=self.context).data,
        )


class TimelineBucketSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(help_text="YYYY or YYYY-MM")
    events = serializers.IntegerField()
    claims = serializers.IntegerField()


class ActorActivitySerializer(serializers.Serializer[Any]):
    actor = serializers.SlugField(help_text="The actor's slug.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActorKind.choices)
    events = serializers.IntegerField(help_text="Distinct events the actor takes part in.")
    claims = serializers.IntegerField(help_text="Claims the actor made (as claimant).")


class SourceClaimsSerializer(serializers.Serializer[Any]):
    # DRF's metaclass moves declared fields off the class; the stubs see Field.source instead.
    source = serializers.SlugField(help_text="The source's slug.")  # type: ignore[assignment]
    title = serializers.CharField()
    publisher = serializers.CharField(allow_null=True, help_text="The publisher's name.")
    published = serializers.CharField(help_text="EDTF")
    claims = serializers.IntegerField(help_text="Claims reported in the source.")


class PublisherClaimsSerializer(serializers.Serializer[Any]):
    publisher = serializers.SlugField(allow_null=True, help_text="null: sources without one.")
    name = serializers.CharField(allow_null=True)
    sources = serializers.IntegerField(help_text="Sources it published.")
    claims = serializers.IntegerField(help_text="Claims reported in those sources.")


class ClaimStatusCountSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    claims = serializers.IntegerField()


class ClaimKindCountSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ClaimKind.choices)
    claims = serializers.IntegerField()


class ClaimPeriodCountSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(help_text="YYYY or YYYY-MM")
    claims = serializers.IntegerField(help_text="Claims whose stated date starts in the period.")
    unverified = serializers.IntegerField()
    corroborated = serializers.IntegerField()
    disputed = serializers.IntegerField()
    refuted = serializers.IntegerField()
