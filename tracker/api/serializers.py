"""Serializers of the v1 contract: brief forms for embedding, full forms for lists and details.

Every serializer here reads only what the selectors in ``tracker.selectors`` already fetched,
so nesting never costs a query per row.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, Source


class ActorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "slug", "name", "kind"]


class ParticipantSerializer(serializers.ModelSerializer):
    """An event's actor with the part they played in it."""

    id = serializers.IntegerField(source="actor.id")
    slug = serializers.CharField(source="actor.slug")
    name = serializers.CharField(source="actor.name")
    kind = serializers.CharField(source="actor.kind")

    class Meta:
        model = EventActor
        fields = ["id", "slug", "name", "kind", "role"]


class SourceBriefSerializer(serializers.ModelSerializer):
    publisher = serializers.CharField(source="publisher.name", default=None, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["id", "slug", "title", "publisher", "published", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, source) -> str | None:
        return source.url or None


class RelationSerializer(serializers.Serializer):
    """One relation seen from a claim: ``outgoing`` (this claim supports/contradicts the other)
    or ``incoming`` (the other claim supports/contradicts this one)."""

    type = serializers.ChoiceField(choices=ClaimRelation._meta.get_field("type").choices)
    claim = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"])


class ClaimSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    source = SourceBriefSerializer()
    events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    relations = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "url", "slug", "text", "quote", "quote_start", "quote_end",
            "claimant", "source", "stated", "stated_start", "stated_end", "stated_precision",
            "status", "events", "relations",
        ]  # fmt: skip

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, claim) -> list[dict]:
        outgoing = [
            {"type": rel.type, "claim": rel.to_claim_id, "direction": "outgoing"}
            for rel in claim.relations_out.all()
        ]
        incoming = [
            {"type": rel.type, "claim": rel.from_claim_id, "direction": "incoming"}
            for rel in claim.relations_in.all()
        ]
        return outgoing + incoming


class EventSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    actors = ParticipantSerializer(source="participations", many=True, read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    claims = ClaimSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "url", "slug", "title", "summary",
            "date", "date_start", "date_end", "date_precision",
            "location", "actors", "tags", "claims",
        ]  # fmt: skip


class _LinksMixin:
    """Links to the lists filtered to this record, so a client can follow them."""

    link_filters: dict[str, tuple[str, str]] = {}

    def _link(self, obj, name: str) -> str:
        view_name, param = self.link_filters[name]
        url = reverse(view_name, request=self.context.get("request"))
        return f"{url}?{param}={obj.slug}"


class ActorSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="actor-detail")
    affiliation = ActorBriefSerializer(allow_null=True)
    claims_url = serializers.SerializerMethodField()
    events_url = serializers.SerializerMethodField()
    link_filters = {"claims": ("claim-list", "claimant"), "events": ("event-list", "actor")}

    class Meta:
        model = Actor
        fields = [
            "id", "url", "slug", "name", "kind", "title", "affiliation", "aliases",
            "claims_url", "events_url",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, actor) -> str:
        return self._link(actor, "claims")

    @extend_schema_field(OpenApiTypes.URI)
    def get_events_url(self, actor) -> str:
        return self._link(actor, "events")


class SourceSerializer(_LinksMixin, serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="source-detail")
    publisher = ActorBriefSerializer(allow_null=True)
    document_url = serializers.SerializerMethodField()
    claims_url = serializers.SerializerMethodField()
    link_filters = {"claims": ("claim-list", "source")}

    class Meta:
        model = Source
        fields = [
            "id", "url", "slug", "title", "publisher", "author", "document_url",
            "published", "published_start", "published_end", "published_precision",
            "language", "notes", "claims_url",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_document_url(self, source) -> str | None:
        """Where the document was published (the model's ``url``; ``url`` here is the API's)."""
        return source.url or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, source) -> str:
        return self._link(source, "claims")


class SourceClaimSerializer(serializers.HyperlinkedModelSerializer):
    """A claim as listed under its source: where its quote stands in the text."""

    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    claimant = ActorBriefSerializer()
    events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "url", "slug", "text", "quote", "quote_start", "quote_end",
            "claimant", "stated", "status", "events",
        ]  # fmt: skip


class EventBriefSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = ["id", "url", "slug", "title", "date"]


class SourceDetailSerializer(SourceSerializer):
    claims = SourceClaimSerializer(many=True, read_only=True)
    events = EventBriefSerializer(many=True, read_only=True)

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "text", "claims", "events"]


class TimelineBucketSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY or YYYY-MM")
    events = serializers.IntegerField()
    claims = serializers.IntegerField()


class ActorActivitySerializer(serializers.Serializer):
    actor = serializers.SlugField(help_text="The actor's slug.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor._meta.get_field("kind").choices)
    events = serializers.IntegerField(help_text="Distinct events the actor takes part in.")
    claims = serializers.IntegerField(help_text="Claims the actor made (as claimant).")


class SourceClaimsSerializer(serializers.Serializer):
    source = serializers.SlugField(help_text="The source's slug.")
    title = serializers.CharField()
    publisher = serializers.CharField(allow_null=True, help_text="The publisher's name.")
    published = serializers.CharField(help_text="EDTF")
    claims = serializers.IntegerField(help_text="Claims reported in the source.")


class PublisherClaimsSerializer(serializers.Serializer):
    publisher = serializers.SlugField(allow_null=True, help_text="null: sources without one.")
    name = serializers.CharField(allow_null=True)
    sources = serializers.IntegerField(help_text="Sources it published.")
    claims = serializers.IntegerField(help_text="Claims reported in those sources.")


class ClaimStatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Claim._meta.get_field("status").choices)
    claims = serializers.IntegerField()


class ClaimPeriodCountSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY or YYYY-MM")
    claims = serializers.IntegerField(help_text="Claims whose stated date starts in the period.")
    unverified = serializers.IntegerField()
    corroborated = serializers.IntegerField()
    disputed = serializers.IntegerField()
    refuted = serializers.IntegerField()
