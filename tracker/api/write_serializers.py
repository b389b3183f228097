"""What a client sends to create, replace or update a record, and how it reaches the services.

You write what you read: the fields are those of the v1 representation, references are by slug
or by id (``"claimant": "alexander-matsegora"`` or ``"claimant": 12``). These serializers check
the shape of the input and resolve references; the record's own rules (EDTF dates, quotes that
stand in their source, unique slugs) are the models', applied by ``tracker.services``, whose
errors come back as a 400 naming the field. A write answers with the read representation.

``PUT`` replaces: an optional field left out goes back to its default (``""``, ``[]``,
``null``). ``PATCH`` changes only the fields given. A ``slug`` left out is kept on a replace and
made from the title (or name, or claimant and text) on a create.

The importer (``tracker.imports``) checks and writes each record of a file with these too, so
a file and the API accept and refuse the same input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

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
    ReviewState,
    Source,
    Tag,
    validate_wikidata,
)

_SLUG = re.compile(r"[-\w]+")
Written = TypeVar("Written", bound=Model)


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "slug"}, {"type": "integer"}], "example": "tass"}
)
class RefField(serializers.RelatedField[Model, Any, str]):
    """A reference to a record by its slug (a string) or its id (an integer)."""

    default_error_messages = {
        "no_slug": "No {name} has the slug '{value}'.",
        "no_id": "No {name} has the id {value}.",
        "incorrect_type": "Expected a slug (string) or an id (integer), got {data_type}.",
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data: Any) -> Model:
        queryset = self.get_queryset()
        if queryset is None:  # DRF asks a writable related field for one when it is declared
            raise TypeError("A RefField needs a queryset.")
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
        except ObjectDoesNotExist:  # the queryset's model's DoesNotExist
            self.fail("no_id" if by_id else "no_slug", name=name, value=str(data)[:120])

    def to_representation(self, value: Any) -> str:
        slug: str = value.slug
        return slug

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> DistinctRefsField:
        """A list of references (``many=True``) that names each record once."""
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: kwargs[key] for key in kwargs if key in MANY_RELATION_KWARGS})
        return DistinctRefsField(**list_kwargs)


class DistinctRefsField(serializers.ManyRelatedField):
    """References, each given once: a list naming the same record twice is a mistake."""

    default_error_messages = {"repeated": "Lists '{value}' twice."}

    def to_internal_value(self, data: Any) -> Sequence[Any]:
        if isinstance(data, list):  # anything else gets ManyRelatedField's own message
            seen: set[str | int] = set()
            for item in data:
                if isinstance(item, str | int) and not isinstance(item, bool):
                    if item in seen:
                        self.fail("repeated", value=str(item)[:120])
                    seen.add(item)
        return super().to_internal_value(data)


def _json_type(value: object) -> str:
    """What a JSON value is, as an error names it: "a number", "a list"..."""
    names: dict[type, str] = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


class TextOnlySerializer(serializers.Serializer[Any]):
    """Text fields take text only: DRF would turn a number into text (42 -> "42"), and a write
    must not pass for one that meant something else."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            wrong: dict[str, Any] = {}
            for name, field in self.fields.items():
                value = data.get(name)
                if field.read_only or value is None:
                    continue
                if isinstance(field, serializers.CharField) and not isinstance(value, str):
                    wrong[name] = [f"Not a valid string: got {_json_type(value)}."]
                elif (
                    isinstance(field, serializers.ListField)
                    and isinstance(field.child, serializers.CharField)
                    and isinstance(value, list)
                ):
                    items = {
                        index: [f"Not a valid string: got {_json_type(item)}."]
                        for index, item in enumerate(value)
                        if not isinstance(item, str)
                    }
                    if items:
                        wrong[name] = items
            if wrong:
                raise serializers.ValidationError(wrong)
        validated: dict[str, Any] = super().to_internal_value(data)
        return validated


class ParticipantWriteSerializer(TextOnlySerializer):
    """An event's participant: ``{"actor": "kim-jong-un", "role": "host"}``, or just the actor."""

    actor = RefField(queryset=Actor.objects.all())
    role = serializers.CharField(max_length=60, default="participant")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str | int) and not isinstance(data, bool):
            data = {"actor": data}
        return super().to_internal_value(data)


class RelationWriteSerializer(TextOnlySerializer):
    """``{"type": "contradicts", "claim": 9}``; ``direction`` ``incoming`` means the other claim
    supports or contradicts this one (as the read representation lists it)."""

    type = serializers.ChoiceField(choices=RelationType.choices)
    claim = RefField(queryset=Claim.objects.all())
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"], default="outgoing")
    note = serializers.CharField(
        required=False, allow_blank=True,
        help_text="The curator's note on the relation; left out, a stored relation keeps its own.",
    )  # fmt: skip


class LinkPermissionDenied(PermissionDeniedFor):
    """403: the write changes linked rows (participants, tags, relations) the user may not."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("You do not have permission to change some of the linked records.", errors)


def _changes(
    current: list[tuple[Any, ...]], wanted: list[tuple[Any, ...]], model: str
) -> list[str]:
    """The permissions that turning the rows ``current`` into ``wanted`` needs, as the admin
    asks them of an inline: add for new rows, delete for gone ones, change for a new order."""
    added, gone = set(wanted) - set(current), set(current) - set(wanted)
    perms = [f"tracker.add_{model}"] * bool(added) + [f"tracker.delete_{model}"] * bool(gone)
    if not perms and current != wanted:
        perms.append(f"tracker.change_{model}")
    return perms


class RecordWriteSerializer(TextOnlySerializer):
    """Calls a service on save; its validation errors become this serializer's, by field.

    The services record who wrote (the request's user) and why: ``reason`` in the context
    (``api`` from the API's views, ``import FILE`` from the importer).
    """

    # Model field name -> API field name, where they differ.
    renames: dict[str, str] = {}

    slug = serializers.SlugField(max_length=120, required=False)
    # A transition: the view moves the record (services.transition) when ``state`` differs from
    # the stored one; declared here for the schema, never passed on to a content write.
    state = serializers.ChoiceField(
        choices=ReviewState.choices, required=False,
        help_text="Another state than the record's is a transition (draft to in_review, "
        "in_review to published or back to draft, published to retracted, retracted to "
        "in_review), sent alone with its rationale; a new record starts as draft.",
    )  # fmt: skip
    rationale = serializers.CharField(
        required=False, allow_blank=True, max_length=10_000,
        help_text="Why: with a transition (needed to send back, retract or reinstate).",
    )  # fmt: skip
    keeps_rationale = False  # a content write that takes a rationale (a claim's status change)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
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
        validated = super().to_internal_value(data)
        validated.pop("state", None)  # the view has made any transition already
        if not self.keeps_rationale:
            validated.pop("rationale", None)
        return validated

    @property
    def by(self) -> services.By:
        request = self.context.get("request")
        return request.user if request else None

    def link_permissions(self, instance: Any, data: dict[str, Any]) -> dict[str, list[str]]:
        """{field: [permission, ...]} a write of ``data`` needs beyond the record's own, for the
        linked rows it adds, changes or removes (as the admin's inlines need them)."""
        return {}

    def check_link_permissions(self, instance: Any, data: dict[str, Any]) -> None:
        if self.by is None:
            return  # a script calling the serializer directly: the services' callers decide
        # The user model (auth's User) has permissions; the stubs only know AbstractBaseUser.
        user = cast("PermissionsMixin | AnonymousUser", self.by)
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

    def call(
        self, service: Callable[..., Written], *, instance: Any = None, **kwargs: Any
    ) -> Written:
        self.check_link_permissions(instance, kwargs.get("data", kwargs))
        try:
            return service(**kwargs, by=self.by, reason=self.context.get("reason", ""))
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

    def validate_wikidata(self, value: str | None) -> str:
        return value or ""

    def create(self, validated_data: dict[str, Any]) -> Actor:
        return self.call(services.actor_create, **validated_data)

    def update(self, instance: Actor, validated_data: dict[str, Any]) -> Actor:
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

    def create(self, validated_data: dict[str, Any]) -> Source:
        return self.call(services.source_create, **validated_data)

    def update(self, instance: Source, validated_data: dict[str, Any]) -> Source:
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
        needed: dict[str, list[str]] = {}
        if "actors" in data:
            current: list[tuple[Any, ...]] = []
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

    def create(self, validated_data: dict[str, Any]) -> Event:
        return self.call(services.event_create, **self._links(validated_data))

    def update(self, instance: Event, validated_data: dict[str, Any]) -> Event:
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
    # DRF's metaclass moves declared fields off the class; the stubs see Field.source instead.
    source = RefField(queryset=Source.objects.all())  # type: ignore[assignment]
    stated = serializers.CharField(max_length=64, help_text="When it was said (EDTF).")
    status = serializers.ChoiceField(choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED)
    notes = serializers.CharField(
        allow_blank=True, default="", help_text="The curator's reasoning, shown to readers."
    )
    events = RefField(queryset=Event.objects.all(), many=True, default=list)
    relations = RelationWriteSerializer(many=True, default=list)
    rationale = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=10_000,
        help_text="Why: needed with a change of status (the claim's history keeps it), or "
        "with a transition.",
    )  # fmt: skip
    keeps_rationale = True

    def link_permissions(self, instance: Any, data: dict[str, Any]) -> dict[str, list[str]]:
        if "relations" not in data:
            return {}
        pk = instance.pk if instance is not None else None
        current: list[tuple[Any, ...]] = []
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

    def create(self, validated_data: dict[str, Any]) -> Claim:
        validated_data.pop("rationale", None)  # a new claim's status is no change
        return self.call(services.claim_create, **validated_data)

    def update(self, instance: Claim, validated_data: dict[str, Any]) -> Claim:
        rationale = validated_data.pop("rationale", "")
        return self.call(
            services.claim_update,
            instance=instance,
            claim=instance,
            data=validated_data,
            rationale=rationale,
        )
