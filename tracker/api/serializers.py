"""Serializers of the v1 contract: brief forms for embedding, full forms for lists and details.

Every serializer here reads only what the selectors in ``tracker.selectors`` already fetched,
so nesting never costs a query per row. Events and claims, the hot path, build their JSON
directly (``to_representation``) rather than field by field; their declared fields remain the
contract (the OpenAPI schema, and the reference output the tests compare the fast path with,
rendered when the context has ``reference=True``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

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
    Tag,
)
from tracker.selectors import embeds, querysets

if TYPE_CHECKING:
    _Serializer = serializers.Serializer[Any]
else:
    _Serializer = object

# A document's address, or null when the capture has none.
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


class ActorBriefSerializer(serializers.ModelSerializer[Actor]):
    class Meta:
        model = Actor
        fields = ["id", "slug", "name", "kind"]


class PlaceSerializer(serializers.ModelSerializer[Place]):
    """Where an event happened: a WGS 84 point and the ids Wikidata and GeoNames know it by."""

    wikidata = serializers.CharField(allow_null=True, help_text="e.g. Q959; null if unknown.")

    class Meta:
        model = Place
        fields = ["slug", "name", "latitude", "longitude", "wikidata", "geonames"]

    def to_representation(self, place: Any) -> Any:
        return place_representation(place)


def place_representation(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "slug": place.slug, "name": place.name, "latitude": place.latitude,
        "longitude": place.longitude, "wikidata": place.wikidata or None,
        "geonames": place.geonames,
    }  # fmt: skip


class ParticipantSerializer(serializers.ModelSerializer[EventActor]):
    """An event's actor with the part they played in it."""

    id = serializers.IntegerField(source="actor.id")
    slug = serializers.CharField(source="actor.slug")
    name = serializers.CharField(source="actor.name")
    kind = serializers.CharField(source="actor.kind")

    class Meta:
        model = EventActor
        fields = ["id", "slug", "name", "kind", "role"]


class SourceBriefSerializer(serializers.ModelSerializer[Source]):
    publisher = serializers.CharField(source="publisher.name", default=None, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["id", "slug", "title", "publisher", "published", "url"]

    @extend_schema_field(NULLABLE_URI)
    def get_url(self, source: Source) -> str | None:
        return source.url or None


class RelationSerializer(serializers.Serializer[Any]):
    """One relation seen from a claim: ``outgoing`` (this claim supports/contradicts the other)
    or ``incoming`` (the other claim supports/contradicts this one)."""

    type = serializers.ChoiceField(choices=RelationType.choices)
    claim = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"])


class DetailURL:
    """``HyperlinkedIdentityField``'s URL for any pk, reversed once per serializer, not per row."""

    _PLACEHOLDER = "__pk__"

    def __init__(self, view_name: str, context: dict[str, Any]):
        request, url_format = context.get("request"), context.get("format")
        kwargs = {"pk": self._PLACEHOLDER}
        url = reverse(view_name, kwargs=kwargs, request=request, format=url_format)
        self.prefix, self.suffix = url.split(self._PLACEHOLDER)

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


def _cached_url(serializer: BaseSerializer[Any], view_name: str) -> DetailURL:
    """One ``DetailURL`` per view name per response, kept in the (shared) serializer context."""
    cache: dict[str, DetailURL] = serializer.context.setdefault("_detail_urls", {})
    if view_name not in cache:
        cache[view_name] = DetailURL(view_name, serializer.context)
    return cache[view_name]


def _iso(day: datetime.date | str | None) -> str | None:
    """A date as DRF's DateField renders it; rows from SQLite hold it as ISO text already."""
    if day is None or isinstance(day, str):
        return day
    return day.isoformat()


def _reference(serializer: BaseSerializer[Any]) -> bool:
    """Render through the declared fields: the reference the fast path is tested against."""
    return bool(serializer.context.get("reference"))


class PageSerializer(serializers.ListSerializer[Any]):
    """A page of events or claims: the child's ``represent`` reads what they embed for the whole
    page at once (or, for the reference, each renders through its declared fields)."""

    def to_representation(self, data: Any) -> Any:
        records = list(data.all() if hasattr(data, "all") else data)
        child = cast("ClaimSerializer | EventSerializer", self.child)  # their list_serializer_class
        if _reference(child):
            return [child.to_representation(record) for record in records]
        return child.represent(records)


class ClaimSerializer(serializers.HyperlinkedModelSerializer[Claim]):
    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    # A declared field: the serializer's metaclass takes it out of the class, so it does not
    # hide Field.source (which the stubs cannot tell).
    source = SourceBriefSerializer()  # type: ignore[assignment]
    events = serializers.SlugRelatedField[Event](slug_field="slug", many=True, read_only=True)
    relations = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "url", "slug", "kind", "text", "quote", "quote_start", "quote_end",
            "claimant", "source", "stated", "stated_start", "stated_end", "stated_precision",
            "status", "notes", "events", "relations",
        ]  # fmt: skip
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

    def to_representation(self, claim: Any) -> Any:
        if _reference(self):
            return super().to_representation(claim)
        return self.represent([claim])[0]

    def represent(self, claims: list[Claim]) -> list[dict[str, Any]]:
        """The claims' JSON: the declared fields' output, built directly from the claims with
        claimant and source (``querysets.claim_list_queryset``) and ``embeds.claim_links``
        (two queries for the page); tests compare the two on the seed record and on generated
        data."""
        links = embeds.claim_links(claim.pk for claim in claims)
        url = _cached_url(self, "claim-detail")
        return [
            claim_representation(
                url=url,
                row=(
                    claim.pk, claim.slug, claim.text, claim.quote, claim.quote_start,
                    claim.quote_end, claim.stated, claim.stated_start, claim.stated_end,
                    claim.stated_precision, claim.status,
                    claim.claimant.pk, claim.claimant.slug, claim.claimant.name,
                    claim.claimant.kind,
                    claim.source.pk, claim.source.slug, claim.source.title,
                    claim.source.publisher.name if claim.source.publisher else None,
                    claim.source.published, claim.source.url, claim.kind, claim.notes,
                ),
                links=links,
            )
            for claim in claims
        ]  # fmt: skip


def claim_representation(
    *, url: DetailURL, row: tuple[Any, ...], links: embeds.ClaimLinks
) -> dict[str, Any]:
    """A claim's JSON from a row in the order of ``embeds.EMBEDDED_CLAIM_FIELDS`` and the
    links read for its page."""
    (
        pk, slug, text, quote, quote_start, quote_end,
        stated, stated_start, stated_end, stated_precision, status,
        claimant_id, claimant_slug, claimant_name, claimant_kind,
        source_id, source_slug, source_title, publisher, published, source_url, kind, notes,
    ) = row  # fmt: skip
    return {
        "id": pk,
        "url": url(pk),
        "slug": slug,
        "kind": kind,
        "text": text,
        "quote": quote,
        "quote_start": quote_start,
        "quote_end": quote_end,
        "claimant": {
            "id": claimant_id, "slug": claimant_slug, "name": claimant_name, "kind": claimant_kind
        },
        "source": {
            "id": source_id, "slug": source_slug, "title": source_title,
            "publisher": publisher, "published": published, "url": source_url or None,
        },
        "stated": stated,
        "stated_start": _iso(stated_start),
        "stated_end": _iso(stated_end),
        "stated_precision": stated_precision,
        "status": status,
        "notes": notes,
        "events": links.events.get(pk, []),
        "relations": [
            {"type": kind, "claim": other, "direction": "outgoing"}
            for kind, other in links.relations_out.get(pk, ())
        ] + [
            {"type": kind, "claim": other, "direction": "incoming"}
            for kind, other in links.relations_in.get(pk, ())
        ],
    }  # fmt: skip


class EventSourceSerializer(serializers.Serializer[Any]):
    """A source an event's claims come from, and how many of the event's claims it holds."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    title = serializers.CharField()
    publisher = serializers.CharField(allow_null=True, help_text="The publisher's name.")
    published = serializers.CharField(help_text="EDTF")
    url = serializers.URLField(allow_null=True, help_text="Where the document was published.")
    claims = serializers.IntegerField(help_text="How many of the event's claims it holds.")


def event_evidence(claim_rows: Iterable[tuple[Any, ...]]) -> tuple[bool, list[dict[str, Any]]]:
    """An event's ``attested`` and ``sources`` from its claims' rows (in the order of
    ``embeds.EMBEDDED_CLAIM_FIELDS``): attested when a claim has a quote (every claim has a
    source); the distinct sources in order of publication, each with its count of claims."""
    fields = embeds.EMBEDDED_CLAIM_FIELDS
    quote, source_id = fields.index("quote"), fields.index("source_id")
    brief = slice(source_id, fields.index("source_url") + 1)
    sources: dict[int, dict[str, Any]] = {}
    for row in claim_rows:
        if row[source_id] not in sources:
            pk, slug, title, publisher, published, url = row[brief]
            sources[pk] = {
                "id": pk, "slug": slug, "title": title, "publisher": publisher,
                "published": published, "url": url or None, "claims": 0,
            }  # fmt: skip
        sources[row[source_id]]["claims"] += 1
    ordered = sorted(sources.values(), key=lambda source: (source["published"], source["slug"]))
    return any(row[quote] for row in claim_rows), ordered


def embedded_claim_kind(serializer: BaseSerializer[Any]) -> str | None:
    """``claim_kind`` of an events request (validated by ``EventFilter``): the kind of claims
    each event embeds; its ``sources`` and ``attested`` still count them all."""
    request = serializer.context.get("request")
    params = getattr(request, "query_params", None) or getattr(request, "GET", {})
    return params.get("claim_kind") or None


class EventSerializer(serializers.HyperlinkedModelSerializer[Event]):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    actors = ParticipantSerializer(source="participations", many=True, read_only=True)
    tags = serializers.SlugRelatedField[Tag](slug_field="slug", many=True, read_only=True)
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
        fields = [
            "id", "url", "slug", "title", "summary",
            "date", "date_start", "date_end", "date_precision",
            "location", "place", "actors", "tags", "attested", "sources", "claims",
        ]  # fmt: skip
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
        serialized = ClaimSerializer(claims, many=True, context=self.context)
        return cast("list[dict[str, Any]]", serialized.data)  # a list: many=True

    def to_representation(self, event: Any) -> Any:
        if _reference(self):
            return super().to_representation(event)
        return self.represent([event])[0]

    def represent(self, events: list[Event]) -> list[dict[str, Any]]:
        """The events' JSON: the declared fields' output, built from ``embeds.event_embeds``.

        Five queries for the page whatever its size, and no model instance per embedded row.
        """
        page = embeds.event_embeds([event.pk for event in events])
        event_url = _cached_url(self, "event-detail")
        claim_url = _cached_url(self, "claim-detail")
        no_rows = ()
        kind = embedded_claim_kind(self)
        kind_column = embeds.EMBEDDED_CLAIM_FIELDS.index("kind")
        pages = []
        for event in events:
            rows = page.claims.get(event.pk, no_rows)
            attested, sources = event_evidence(rows)
            if kind is not None:
                rows = [row for row in rows if row[kind_column] == kind]
            pages.append((event, rows, attested, sources))
        return [
            {
                "id": event.pk,
                "url": event_url(event.pk),
                "slug": event.slug,
                "title": event.title,
                "summary": event.summary,
                "date": event.date,
                "date_start": _iso(event.date_start),
                "date_end": _iso(event.date_end),
                "date_precision": event.date_precision,
                "location": event.location,
                "place": place_representation(event.place),
                "actors": [
                    {"id": pk, "slug": slug, "name": name, "kind": kind, "role": role}
                    for pk, slug, name, kind, role in page.participants.get(event.pk, no_rows)
                ],
                "tags": page.tags.get(event.pk, []),
                "attested": attested,
                "sources": sources,
                "claims": [
                    claim_representation(url=claim_url, row=row, links=page.links) for row in rows
                ],
            }
            for event, rows, attested, sources in pages
        ]


class _LinksMixin(_Serializer):
    """Links to the lists filtered to this record, so a client can follow them."""

    link_filters: dict[str, tuple[str, str]] = {}

    def _link(self, obj: Actor | Source, name: str) -> str:
        view_name, param = self.link_filters[name]
        url = reverse(view_name, request=self.context.get("request"))
        return f"{url}?{param}={obj.slug}"


class ActorSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer[Actor]):
    url = serializers.HyperlinkedIdentityField(view_name="actor-detail")
    affiliation = ActorBriefSerializer(allow_null=True)
    wikidata = serializers.SerializerMethodField(help_text="The Wikidata item, e.g. Q7747.")
    claims_url = serializers.SerializerMethodField()
    events_url = serializers.SerializerMethodField()
    link_filters = {"claims": ("claim-list", "claimant"), "events": ("event-list", "actor")}

    class Meta:
        model = Actor
        fields = [
            "id", "url", "slug", "name", "kind", "title", "affiliation", "aliases", "wikidata",
            "claims_url", "events_url",
        ]  # fmt: skip

    @extend_schema_field({"type": "string", "pattern": r"^Q[1-9][0-9]*$", "nullable": True})
    def get_wikidata(self, actor: Actor) -> str | None:
        return actor.wikidata or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, actor: Actor) -> str:
        return self._link(actor, "claims")

    @extend_schema_field(OpenApiTypes.URI)
    def get_events_url(self, actor: Actor) -> str:
        return self._link(actor, "events")


class SourceSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer[Source]):
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    publisher = ActorBriefSerializer(allow_null=True)
    document_url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField(help_text="An archived copy, if any.")
    credits = ActorBriefSerializer(
        many=True, read_only=True, help_text="Outlets or agencies the document credits."
    )
    claims_url = serializers.SerializerMethodField()
    link_filters = {"claims": ("claim-list", "source")}

    class Meta:
        model = Source
        fields = [
            "id", "url", "slug", "title", "publisher", "author", "document_url",
            "published", "published_start", "published_end", "published_precision",
            "language", "notes", "retrieved", "archive_url", "text_sha256", "credits",
            "claims_url",
        ]  # fmt: skip

    @extend_schema_field(NULLABLE_URI)
    def get_document_url(self, source: Source) -> str | None:
        """Where the document was published (the model's ``url``; ``url`` here is the API's)."""
        return source.url or None

    @extend_schema_field(NULLABLE_URI)
    def get_archive_url(self, source: Source) -> str | None:
        return source.archive_url or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, source: Source) -> str:
        return self._link(source, "claims")


class SourceClaimSerializer(serializers.HyperlinkedModelSerializer[Claim]):
    """A claim as listed under its source: where its quote stands in the text."""

    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    events = serializers.SlugRelatedField[Event](slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "url", "slug", "kind", "text", "quote", "quote_start", "quote_end",
            "claimant", "stated", "status", "notes", "events",
        ]  # fmt: skip


class EventBriefSerializer(serializers.HyperlinkedModelSerializer[Event]):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = ["id", "url", "slug", "title", "date"]


class SourceDetailSerializer(SourceSerializer):
    claims = SourceClaimSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField(help_text="The events its claims concern.")

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "text", "claims", "events"]

    @extend_schema_field(EventBriefSerializer(many=True))
    def get_events(self, source: Source) -> list[dict[str, Any]]:
        events = EventBriefSerializer(
            querysets.source_events(source), many=True, context=self.context
        )
        return cast("list[dict[str, Any]]", events.data)  # a list: many=True


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
    # A declared field: the serializer's metaclass takes it out of the class, so it does not
    # hide Field.source (which the stubs cannot tell).
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
