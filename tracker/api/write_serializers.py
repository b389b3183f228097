"""What a client sends to create, replace or update a record, and how it reaches the services.

You write what you read: the fields are those of the v1 representation, references are by slug
or by id (``"claimant": "alexander-matsegora"`` or ``"claimant": 12``). These serializers check
the shape of the input and resolve references; the record's own rules (EDTF dates, quotes that
stand in their source, unique slugs) are the models', applied by ``tracker.services``, whose
errors come back as a 400 naming the field. A write answers with the read representation.

``PUT`` replaces: an optional field left out goes back to its default (``""``, ``[]``,
``null``). ``PATCH`` changes only the fields given. A ``slug`` left out is kept on a replace and
made from the title (or name, or claimant and text) on a create.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker import services
from tracker.api.exceptions import PermissionDeniedFor
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Event,
    Place,
    RelationType,
    Source,
    Tag,
    validate_wikidata,
)

_SLUG = re.compile(r"[-\w]+")


if TYPE_CHECKING:
    from tracker.history import By


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "slug"}, {"type": "integer"}], "example": "tass"}
)
class RefField(serializers.RelatedField[Any, Any, Any]):
    """A reference to a record by its slug (a string) or its id (an integer)."""

    default_error_messages = {
        "no_slug": "No {name} has the slug '{value}'.",
        "no_id": "No {name} has the id {value}.",
        "incorrect_type": "Expected a slug (string) or an id (integer), got {data_type}.",
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        assert queryset is not None  # every RefField is given one
        name = queryset.model._meta.verbose_name
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        by_id = isinstance(data, int)
        if not by_id and "\x00" in data:  # no slug holds one, and PostgreSQL cannot compare it
            self.fail("null_characters")
        # What no record can have (an id beyond the column, a slug with other characters)
        # names nothing: PostgreSQL would refuse the query itself.
        if by_id and not 0 < data < 2**63:
            self.fail("no_id", name=name, value=str(data)[:120])
        if not by_id and not _SLUG.fullmatch(data):
            self.fail("no_slug", name=name, value=data[:120])
        try:
            return queryset.get(**({"pk": data} if by_id else {"slug": data}))
        except queryset.model.DoesNotExist:
            self.fail("no_id" if by_id else "no_slug", name=name, value=str(data)[:120])

    def to_representation(self, value: Any) -> Any:
        return value.slug


class ParticipantWriteSerializer(serializers.Serializer[Any]):
    """An event's participant: ``{"actor": "kim-jong-un", "role": "host"}``, or just the actor."""

    actor = RefField(queryset=Actor.objects.all())
    role = serializers.CharField(max_length=60, default="participant")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str | int) and not isinstance(data, bool):
            data = {"actor": data}
        return super().to_internal_value(data)


class RelationWriteSerializer(serializers.Serializer[Any]):
    """``{"type": "contradicts", "claim": 9}``; ``direction`` ``incoming`` means the other claim
    supports or contradicts this one (as the read representation lists it)."""

    type = serializers.ChoiceField(choices=RelationType.choices)
    claim = RefField(queryset=Claim.objects.all())
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"], default="outgoing")


class LinkPermissionDenied(PermissionDeniedFor):
    """403: the write changes linked rows (participants, tags, relations) the user may not."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("You do not have permission to change some of the linked records.", errors)


def _changes(current: list[Any], wanted: list[Any], model: str) -> list[str]:
    """The permissions that turning the rows ``current`` into ``wanted`` needs, as the admin
    asks them of an inline: add for new rows, delete for gone ones, change for a new order."""
    added, gone = set(wanted) - set(current), set(current) - set(wanted)
    perms = [f"tracker.add_{model}"] * bool(added) + [f"tracker.delete_{model}"] * bool(gone)
    if not perms and current != wanted:
        perms.append(f"tracker.change_{model}")
    return perms


class RecordWriteSerializer(serializers.Serializer[Any]):
    """Calls a service on save; its validation errors become this serializer's, by field."""

    # Model field name -> API field name, where they differ.
    renames: dict[str, str] = {}

    slug = serializers.SlugField(max_length=120, required=False)

    def to_internal_value(self, data: Any) -> Any:
        # A field the API does not know is refused, never dropped: a misspelt "stauts" must
        # not pass for a write that changed nothing. Names of the read representation are
        # allowed (and ignored where read-only), so that what a client read can be sent back.
        if isinstance(data, Mapping):
            known = set(self.fields) | self.context.get("read_fields", set())
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field: this API does not take it."] for name in unknown}
                )
            # DRF turns a number into text (42 -> "42"); a text field here takes text only.
            wrong = [
                name
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and data.get(name) is not None
                and not isinstance(data.get(name), str)
            ]
            if wrong:
                raise serializers.ValidationError({name: ["Not a valid string."] for name in wrong})
        return super().to_internal_value(data)

    @property
    def by(self) -> By:
        request = self.context.get("request")
        return request.user if request else None

    def link_permissions(self, instance: Any, data: dict[str, Any]) -> dict[str, list[str]]:
        """{field: [permission, ...]} a write of ``data`` needs beyond the record's own, for the
        linked rows it adds, changes or removes (as the admin's inlines need them)."""
        return {}

    def check_link_permissions(self, instance: Any, data: dict[str, Any]) -> None:
        user = self.by
        if user is None:
            return  # a script calling the serializer directly: the services' callers decide
        missing = {
            field: [perm for perm in perms if not user.has_perm(perm)]
            for field, perms in self.link_permissions(instance, data).items()
        }
        missing = {field: perms for field, perms in missing.items() if perms}
        if missing:
            raise LinkPermissionDenied(
                {
                    self.renames.get(field, field): [
                        f"You do not have the permission {perm} this change needs."
                        for perm in perms
                    ]
                    for field, perms in missing.items()
                }
            )

    def call(self, service: Callable[..., Any], *, instance: Any = None, **kwargs: Any) -> Any:
        self.check_link_permissions(instance, kwargs.get("data", kwargs))
        try:
            return service(**kwargs, by=self.by)
        except DjangoValidationError as error:
            detail = serializers.as_serializer_error(error)
            raise serializers.ValidationError(
                {self.renames.get(name, name): messages for name, messages in detail.items()}
            ) from None


class ActorWriteSerializer(RecordWriteSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ActorKind.choices)
    title = serializers.CharField(max_length=300, allow_blank=True, default="")
    affiliation = RefField(queryset=Actor.objects.all(), allow_null=True, default=None)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), default=list, max_length=100
    )
    wikidata = serializers.CharField(
        max_length=20, allow_null=True, default=None,
        validators=[validate_wikidata], help_text="The Wikidata item, e.g. Q7747 (null: none).",
    )  # fmt: skip

    def validate_wikidata(self, value: str) -> str:
        return value or ""

    def create(self, validated_data: dict[str, Any]) -> Any:
        return self.call(services.actor_create, **validated_data)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        return self.call(services.actor_update, actor=instance, data=validated_data)


class SourceWriteSerializer(RecordWriteSerializer):
    renames = {"url": "document_url"}

    title = serializers.CharField(max_length=500)
    publisher = RefField(queryset=Actor.objects.all(), allow_null=True, default=None)
    author = serializers.CharField(max_length=200, allow_blank=True, default="")
    document_url = serializers.URLField(
        source="url", max_length=1000, allow_blank=True, default="",
        help_text="Where the document was published.",
    )  # fmt: skip
    published = serializers.CharField(max_length=64, help_text="EDTF, e.g. 2020-02-07.")
    language = serializers.CharField(max_length=16, default="en")
    # The document exactly as captured: quotes are matched against it, so nothing is trimmed.
    text = serializers.CharField(trim_whitespace=False)
    notes = serializers.CharField(allow_blank=True, default="")
    retrieved = serializers.CharField(
        max_length=64, allow_blank=True, default="", help_text="When the text was captured (EDTF)."
    )
    archive_url = serializers.URLField(
        max_length=1000, allow_blank=True, default="", help_text="An archived copy, if any."
    )
    credits = RefField(
        queryset=Actor.objects.all(), many=True, default=list,
        help_text="Outlets or agencies the document credits (slugs or ids).",
    )  # fmt: skip

    def create(self, validated_data: dict[str, Any]) -> Any:
        return self.call(services.source_create, **validated_data)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        return self.call(services.source_update, source=instance, data=validated_data)


class EventWriteSerializer(RecordWriteSerializer):
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(allow_blank=True, default="")
    date = serializers.CharField(max_length=64, help_text="EDTF, e.g. 2019-04-25 or 2022-07~.")
    location = serializers.CharField(max_length=200, allow_blank=True, default="")
    place = RefField(
        queryset=Place.objects.all(), allow_null=True, default=None,
        help_text="Where it happened, on a map: a place's slug (or id), or null.",
    )  # fmt: skip
    actors = ParticipantWriteSerializer(many=True, default=list)
    tags = serializers.ListField(
        child=serializers.SlugField(max_length=60), default=list,
        help_text="Tag slugs; a new slug creates the tag.",
    )  # fmt: skip

    @staticmethod
    def _links(data: dict[str, Any]) -> dict[str, Any]:
        if "actors" in data:
            # A PATCH skips the role's default: a participant is one unless said otherwise.
            data["actors"] = [
                (item["actor"], item.get("role", "participant")) for item in data["actors"]
            ]
        return data

    def link_permissions(self, instance: Any, data: dict[str, Any]) -> dict[str, list[str]]:
        needed = {}
        if "actors" in data:
            current = []
            if instance is not None:
                rows = instance.participations.order_by("pk").values_list("actor_id", "role")
                current = list(rows)
            wanted = [(actor.pk, role or "participant") for actor, role in data["actors"]]
            needed["actors"] = _changes(current, wanted, "eventactor")
        if "tags" in data:
            new = set(data["tags"]) - set(
                Tag.objects.filter(slug__in=data["tags"]).values_list("slug", flat=True)
            )
            needed["tags"] = ["tracker.add_tag"] * bool(new)
        return needed

    def create(self, validated_data: dict[str, Any]) -> Any:
        return self.call(services.event_create, **self._links(validated_data))

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        data = self._links(validated_data)
        return self.call(services.event_update, instance=instance, event=instance, data=data)


class ClaimWriteSerializer(RecordWriteSerializer):
    kind = serializers.ChoiceField(
        choices=ClaimKind.choices, default=ClaimKind.STATEMENT,
        help_text="statement (a party said it) or report (the document's own narration).",
    )  # fmt: skip
    text = serializers.CharField(help_text="The claim in the curator's words.")
    quote = serializers.CharField(
        allow_blank=True, default="", trim_whitespace=False,
        help_text="Verbatim from the source's text; empty for a paraphrase.",
    )  # fmt: skip
    claimant = RefField(queryset=Actor.objects.all())
    # A declared field: the serializer's metaclass takes it out of the class, so it does not
    # hide Field.source (which the stubs cannot tell).
    source = RefField(queryset=Source.objects.all())  # type: ignore[assignment]
    stated = serializers.CharField(max_length=64, help_text="When it was said (EDTF).")
    status = serializers.ChoiceField(choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED)
    notes = serializers.CharField(
        allow_blank=True, default="", help_text="The curator's reasoning, shown to readers."
    )
    events = RefField(queryset=Event.objects.all(), many=True, default=list)
    relations = RelationWriteSerializer(many=True, default=list)

    def link_permissions(self, instance: Any, data: dict[str, Any]) -> dict[str, list[str]]:
        if "relations" not in data:
            return {}
        pk = instance.pk if instance is not None else None
        current = []
        if pk is not None:
            rows = ClaimRelation.objects.filter(Q(from_claim_id=pk) | Q(to_claim_id=pk))
            current = sorted(rows.values_list("from_claim_id", "to_claim_id", "type"))
        wanted = sorted(
            {
                (pk, other.pk, kind) if direction == "outgoing" else (other.pk, pk, kind)
                for relation in data["relations"]
                for other, kind, direction in [
                    (relation["claim"], relation["type"], relation.get("direction", "outgoing"))
                ]
            }
        )
        # The rows are a set: their order is no change.
        return {"relations": _changes(current, wanted, "claimrelation")}

    def create(self, validated_data: dict[str, Any]) -> Any:
        return self.call(services.claim_create, **validated_data)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        return self.call(
            services.claim_update, instance=instance, claim=instance, data=validated_data
        )


class HistoryChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer[Any]):
    """One entry of a record's history: when, who and what changed (newest first)."""

    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    who = serializers.CharField(
        allow_null=True,
        help_text="The user's login name for curators, a public label (HISTORY_PUBLIC_LABEL) "
        "for other readers; null for a script.",
    )
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changes = HistoryChangeSerializer(many=True)


class HistoryPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)
