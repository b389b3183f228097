"""Importing a source document and its claims from one JSON file: all or nothing, idempotent.

The format is documented in ``docs/import.md``. Every problem in a file is collected into one
report (each named by where it stands, e.g. ``claims[3] 'slug' quote``) before anything is kept:
one bad claim and the transaction is rolled back, so a file is imported whole or not at all.

Each record is checked by the API's write serializer for its kind
(``tracker.api.write_serializers``: its fields, their types, choices and references, as for a
``POST``) and written through it, so through ``tracker.services``, all within one
``services.batch``: the model's own rules apply as for every write, and each record the file
creates gets one history entry (made by no one, with the change reason ``import FILE``), written
once the whole file is in so that it holds the record's links too.

Records are matched by slug. A record the database already holds is never changed: it must
agree with the file on every field the file gives (and hold every link the file lists), in
which case it is reported ``unchanged``; otherwise that is a conflict the report names. So
importing the same file twice changes nothing, and an import never overwrites curation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from rest_framework import serializers
from rest_framework.settings import api_settings

from tracker import quotes, services
from tracker.api.write_serializers import (
    ActorWriteSerializer,
    ClaimWriteSerializer,
    RelationWriteSerializer,
    SourceWriteSerializer,
)
from tracker.models import Actor, Claim, ClaimRelation, ReviewState, Source

_LINKED = {"events": "the event", "credits": "the credited actor"}  # links, named in problems
CLAIM_LINKS = {"events", "relations"}


class ActorImportSerializer(ActorWriteSerializer):
    """An actor as a file declares it: the API's fields, and the curator's notes (which the
    API's representation of an actor does not carry, so its writes do not take them)."""

    notes = serializers.CharField(allow_blank=True, default="")
    # A file's records enter in the state the import is given (--state), not one of their own.
    state = None  # type: ignore[assignment]
    rationale = None  # type: ignore[assignment]


class SourceImportSerializer(SourceWriteSerializer):
    """A source as a file declares it: the API's fields, less the state (see above)."""

    state = None  # type: ignore[assignment]
    rationale = None  # type: ignore[assignment]


class ClaimImportSerializer(ClaimWriteSerializer):
    """A claim as a file declares it: the API's fields, less the rationale of a status change
    (a file creates claims, it changes none)."""

    state = None  # type: ignore[assignment]
    rationale = None  # type: ignore[assignment]


class FileSerializer(serializers.Serializer):
    """The file around the records: its source, the actors it declares and its claims (each
    checked by the write serializer of its kind)."""

    # DRF's metaclass moves declared fields off the class; the stubs see Field.source instead.
    source = serializers.DictField()  # type: ignore[assignment]
    actors = serializers.ListField(default=list)
    claims = serializers.ListField(allow_empty=False)


@dataclass(frozen=True)
class Problem:
    where: str  # "source", "actors[1] 'tass'", "claims[3] 'matsegora-trade-2020'", "file"
    field: str  # the field at fault, "" for the record as a whole
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}, {self.field}: {self.message}"
            if self.field
            else (f"{self.where}: {self.message}")
        )


@dataclass(frozen=True)
class Outcome:
    kind: str  # "source", "actor", "claim", "relation"
    label: str
    action: str  # "created" or "unchanged"


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and any(o.action == "created" for o in self.outcomes)

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for outcome in self.outcomes:
            per_kind = counts.setdefault(outcome.kind, {})
            per_kind[outcome.action] = per_kind.get(outcome.action, 0) + 1
        return counts

    def render(self) -> str:
        if self.problems:
            lines = [f"{len(self.problems)} problem(s); nothing was written:"]
            return "\n".join([*lines, *(f"  {problem}" for problem in self.problems)])
        lines = [f"{o.kind} {o.label}: {o.action}" for o in self.outcomes]
        summary = "; ".join(
            f"{kind}s: " + ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
            for kind, actions in self.counts().items()
        )
        if self.dry_run:
            summary += " (dry run: nothing was written)"
        elif not self.written:
            summary += " (nothing to write: the database already holds all of it)"
        return "\n".join([*lines, summary])


class _Rollback(Exception):
    """Raised inside the transaction to undo it once the report is complete."""


def parse_document(raw: bytes | str) -> Any:
    """The JSON of an import file, or a ValidationError naming where it stops being JSON."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise ValidationError(f"The file is not UTF-8 (byte {error.start}).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"The file is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from None


def import_source(
    *,
    document: Any,
    dry_run: bool = False,
    reason: str = "import",
    state: str = ReviewState.DRAFT,
) -> ImportReport:
    """Import one source and its claims (and the actors it declares), all or nothing.

    ``document`` is the parsed JSON of the file; ``reason`` the change reason its history
    entries carry (the command gives ``import FILE``); ``state`` the review state of the
    records it creates (``draft``, to be reviewed, unless the file is trusted as it is). The
    report lists every problem found; when there is any (or ``dry_run`` is set), nothing is
    written.
    """
    importer = _Importer(dry_run=dry_run, reason=reason)
    try:
        with services.batch(reason=reason):
            importer.run(document)
            if importer.report.problems or dry_run:
                raise _Rollback
            services.records_enter_state(records=importer.created, state=state)
    except _Rollback:
        pass
    return importer.report


class _Importer:
    def __init__(self, *, dry_run: bool, reason: str):
        self.report = ImportReport(dry_run=dry_run)
        self.reason = reason
        self.source: Source | None = None
        # slug -> claim for relations: saved, or valid but unsaved because the source was refused
        self.claims: dict[str, Claim] = {}
        self.invalid_claims: dict[str, str] = {}  # slug -> where it stands, for relations
        self.duplicates: set[str] = set()  # where the entries that repeat a slug stand
        self.created: list[Model] = []  # the records the file creates, for their state

    def problem(self, where: str, field_name: str, message: str) -> None:
        self.report.problems.append(Problem(where, field_name, message))

    def outcome(self, kind: str, label: str, action: str) -> None:
        self.report.outcomes.append(Outcome(kind, label, action))

    # Checking and writing through the write serializers ---------------------------------

    def check(
        self,
        where: str,
        serializer_class: type[serializers.Serializer],
        entry: Any,
        *,
        instance=None,
        extra: dict | None = None,
        renames: dict[str, str] | None = None,
        without: tuple[str, ...] = (),
        required: tuple[str, ...] = (),
    ) -> serializers.Serializer | None:
        """Validate one entry of the file with the write serializer of its kind, as the API
        validates a POST (or a PATCH of ``instance``), reporting every problem by field; the
        valid serializer, else None.

        ``extra``: fields the importer gives, not the file (a claim's source). ``renames``: the
        file's names that the API spells otherwise (a source's ``url`` is ``document_url``).
        ``without``: fields left out of this check (checked otherwise). ``required``: fields
        the file must give although the API would make them (the slug, which matches records).
        """
        renames = renames or {}
        back = {api: name for name, api in renames.items()}
        serializer = serializer_class(
            instance, data=entry, partial=instance is not None, context={"reason": self.reason}
        )
        if isinstance(entry, dict):
            expected = [
                back.get(name, name)
                for name, api_field in serializer.fields.items()
                if not api_field.read_only and name not in (extra or {})
            ]
            problems = [
                (str(name), f"unknown field (expected: {', '.join(expected)}).")
                for name in sorted(entry.keys() - set(expected), key=str)
            ] + [(name, "This field is required.") for name in required if name not in entry]
            for name, message in problems:
                self.problem(where, name, message)
            if problems:
                return None
            serializer.initial_data = {
                renames.get(name, name): value
                for name, value in entry.items()
                if name not in without
            }
        for name in (*without, *(extra or {})):
            serializer.fields.pop(name, None)
        if not serializer.is_valid():
            self.report_errors(where, serializer.errors, back)
            return None
        serializer.validated_data.update(extra or {})
        return serializer

    def save(self, where: str, serializer: serializers.Serializer, *, renames=None):
        """Write what ``serializer`` holds through the services; None, with the problems the
        record's own rules found reported, if they refused it."""
        try:
            return serializer.save()
        except serializers.ValidationError as error:
            self.report_errors(where, error.detail, renames or {})
            return None

    def report_errors(self, where: str, detail: Any, renames: dict[str, str]) -> None:
        for name, message in _flat(detail):
            head, dot, rest = name.partition(".")
            head, bracket, index = head.partition("[")
            name = renames.get(head, head) + bracket + index + dot + rest
            self.problem(where, name, message)

    # The records ----------------------------------------------------------------------

    def run(self, document: Any) -> None:
        if self.check("file", FileSerializer, document) is None:
            return
        actors = document.get("actors", [])
        claims = document["claims"]
        self.duplicates = self.report_duplicates("actors", actors) | self.report_duplicates(
            "claims", claims
        )
        self.import_actors(actors)
        source_data = document["source"]
        self.import_source(source_data)
        entries = []
        for index, entry in enumerate(claims):
            where = _where("claims", index, entry)
            if where in self.duplicates:
                continue
            if self.import_claim(where, entry, source_data):
                entries.append((where, entry))
        for where, entry in entries:
            relations = entry.get("relations", [])
            if not isinstance(relations, list):
                kind = type(relations).__name__
                self.problem(where, "relations", f'Expected a list of items but got type "{kind}".')
                continue
            for index, relation in enumerate(relations):
                self.import_relation(f"{where} relations[{index}]", entry["slug"], relation)

    def report_duplicates(self, section: str, entries: list) -> set[str]:
        """Report each entry whose slug an earlier one has; returns where they stand, so they
        are left out of the import (the earlier entry is imported and validated as usual)."""
        seen: dict[str, int] = {}
        duplicates = set()
        for index, entry in enumerate(entries):
            slug = entry.get("slug") if isinstance(entry, dict) else None
            if not isinstance(slug, str):
                continue
            if slug in seen:
                self.problem(
                    _where(section, index, entry), "slug",
                    f"the same slug as {section}[{seen[slug]}]; each record appears once.",
                )  # fmt: skip
                duplicates.add(_where(section, index, entry))
            seen.setdefault(slug, index)
        return duplicates

    def import_actors(self, entries: list) -> None:
        """Declared actors: created when missing, without affiliations first, so that actors
        of the same file may name each other; affiliations are set in a second pass (within
        the batch, each new actor still gets one history entry)."""
        pending = []
        for index, entry in enumerate(entries):
            where = _where("actors", index, entry)
            if where in self.duplicates:
                continue
            serializer = self.check(
                where, ActorImportSerializer, _without(entry, "affiliation"), required=("slug",)
            )
            if serializer is None:
                continue
            stored = Actor.objects.filter(slug=entry["slug"]).first()
            if stored is not None:
                if self.agrees(where, stored, entry, {"affiliation"}):
                    self.outcome("actor", entry["slug"], "unchanged")
                continue
            actor = self.save(where, serializer)
            if actor is not None:
                pending.append((where, actor, entry))
        for where, actor, entry in pending:
            if entry.get("affiliation") is not None:
                data = {"affiliation": entry["affiliation"]}
                serializer = self.check(where, ActorImportSerializer, data, instance=actor)
                if serializer is None or self.save(where, serializer) is None:
                    continue
            self.outcome("actor", actor.slug, "created")
            self.created.append(actor)

    def import_source(self, entry: dict) -> None:
        renames = {"url": "document_url"}  # the API's "url" is its own address
        serializer = self.check(
            "source", SourceImportSerializer, entry, renames=renames, required=("slug",)
        )
        if serializer is None:
            return
        stored = Source.objects.filter(slug=entry["slug"]).first()
        if stored is not None:
            if self.agrees("source", stored, entry, {"publisher"}) and self.links_agree(
                "source", "credits", stored.credits, entry.get("credits", [])
            ):
                self.source = stored
                self.outcome("source", stored.slug, "unchanged")
            return
        source = self.save("source", serializer, renames={"document_url": "url"})
        if source is not None:
            self.source = source
            self.outcome("source", source.slug, "created")
            self.created.append(source)

    def import_claim(self, where: str, entry: Any, source_entry: dict) -> bool:
        """Check one claim and write it if it is new; True when its relations may be checked."""
        serializer = self.check(
            where,
            ClaimImportSerializer,
            _without(entry, "relations"),  # once all the file's claims are in: they name each other
            extra={"source": self.source} if self.source is not None else None,
            without=("source",),  # the file's own, or none if it was refused
            required=("slug",),
        )
        if serializer is None:
            if isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                self.invalid_claims[entry["slug"]] = where
            return False
        slug = entry["slug"]
        stored = Claim.objects.select_related("source", "claimant").filter(slug=slug).first()
        if stored is not None:
            if stored.source.slug != source_entry.get("slug", stored.source.slug):
                self.problem(
                    where, "slug",
                    f"a stored claim has this slug and belongs to the source "
                    f"'{stored.source.slug}', not to this one.",
                )  # fmt: skip
            elif self.agrees(where, stored, entry, {"claimant"}, links=entry.get("events", [])):
                self.claims[slug] = stored
                self.outcome("claim", slug, "unchanged")
                return True
            self.invalid_claims[slug] = where
            return True
        if self.source is None:
            if self.validate_without_source(where, serializer.validated_data, source_entry):
                self.claims[slug] = Claim(slug=slug)  # valid on its own; the source keeps it out
            else:
                self.invalid_claims[slug] = where
            return True
        claim = self.save(where, serializer)
        if claim is None:
            self.invalid_claims[slug] = where
            return True
        self.claims[slug] = claim
        self.outcome("claim", slug, "created")
        self.created.append(claim)
        return True

    def validate_without_source(self, where: str, data: dict, source_entry: dict) -> bool:
        """The source could not be kept, so no service can write the claim: check it with the
        model's own rules all the same, and its quote against the file's text, so that the
        report still names every bad claim."""
        fields = {name: value for name, value in data.items() if name not in CLAIM_LINKS}
        claim = Claim(**fields)
        valid = True
        try:
            claim.full_clean(exclude=["source"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(where, "" if name == "__all__" else name, message)
            valid = False
        text = source_entry.get("text")
        if claim.quote and isinstance(text, str) and quotes.locate(claim.quote, text) is None:
            self.problem(where, "quote", "this quote does not appear in the source's text.")
            valid = False
        return valid

    def import_relation(self, where: str, from_slug: str, entry: Any) -> None:
        target = entry.get("claim") if isinstance(entry, dict) else None
        data = entry
        without: tuple[str, ...] = ()
        if isinstance(target, str) and target in self.claims:
            other = self.claims[target]
            if other.pk is None:
                without = ("claim",)  # unsaved: the source was refused
            else:
                data = {**entry, "claim": other.pk}  # this file's: found by its id
        elif (
            isinstance(target, str)
            and target in self.invalid_claims
            and not Claim.objects.filter(slug=target).exists()  # a stored one is found by slug
        ):
            message = f"the claim '{target}' is not imported: see {self.invalid_claims[target]}."
            self.problem(where, "claim", message)
            without = ("claim",)
        serializer = self.check(
            where, RelationWriteSerializer, data, without=without, required=("claim",)
        )
        from_claim = self.claims.get(from_slug)
        if serializer is None or without or from_claim is None or from_claim.pk is None:
            return  # its problems are reported, or an end is not written
        relation = serializer.validated_data
        other, type_ = relation["claim"], relation["type"]
        outgoing = relation["direction"] == "outgoing"
        ends = (from_claim, other) if outgoing else (other, from_claim)
        label = f"{from_slug} {type_} {target}"
        stored = ClaimRelation.objects.filter(
            from_claim=ends[0], to_claim=ends[1], type=type_
        ).first()
        if stored is not None:
            if "note" in relation and stored.note != relation["note"]:
                self.conflict(where, "note", stored.note, relation["note"])
            else:
                self.outcome("relation", label, "unchanged")
            return
        # Added as a PATCH of the claim's relations adds it: the ones it has, and this one.
        current = [
            {
                "type": row.type,
                "claim": row.to_claim_id
                if row.from_claim_id == from_claim.pk
                else row.from_claim_id,
                "direction": "outgoing" if row.from_claim_id == from_claim.pk else "incoming",
            }
            for row in ClaimRelation.objects.filter(
                Q(from_claim=from_claim) | Q(to_claim=from_claim)
            ).order_by("pk")
        ]
        new = {**relation, "claim": other.pk}
        update = self.check(
            where, ClaimImportSerializer, {"relations": [*current, new]}, instance=from_claim
        )
        # The claim's rules on its relations (none to itself) name this relation, not a field.
        if update is not None and self.save(where, update, renames={"relations": ""}):
            self.outcome("relation", label, "created")

    # Records already stored -----------------------------------------------------------

    def agrees(
        self, where: str, stored, entry: dict, references: set[str], links: Sequence[str] = ()
    ) -> bool:
        """A stored record agrees with the file when every field the file gives is equal and
        every link it lists is stored; each disagreement is a conflict in the report."""
        ok = True
        for name, value in entry.items():
            if name in ("slug", "events", "relations", "credits"):
                continue
            if name in references:
                related = getattr(stored, name)
                current = related.slug if related is not None else None
            else:
                current = getattr(stored, name)
            if current != value:
                self.conflict(where, name, current, value)
                ok = False
        if links:
            ok = self.links_agree(where, "events", stored.events, links) and ok
        return ok

    def links_agree(self, where: str, field_name: str, manager, slugs: Sequence[str]) -> bool:
        """Every record the file links to is linked to the stored record; else a problem."""
        linked = set(manager.values_list("slug", flat=True))
        ok = True
        for slug in slugs:
            if slug not in linked:
                self.problem(
                    where, field_name,
                    f"the stored record is not linked to {_LINKED[field_name]} '{slug}'; the "
                    "import "
                    "never changes a stored record (link it in the admin).",
                )  # fmt: skip
                ok = False
        return ok

    def conflict(self, where: str, name: str, current, value) -> None:
        self.problem(
            where, name,
            f"the stored record has {_shorten(current)}, the file {_shorten(value)}; the import "
            "never changes a stored record (edit it in the admin).",
        )  # fmt: skip


def _where(section: str, index: int, entry: Any) -> str:
    slug = entry.get("slug") if isinstance(entry, dict) else None
    return f"{section}[{index}] '{slug}'" if isinstance(slug, str) else f"{section}[{index}]"


def _without(entry: Any, *names: str) -> Any:
    """The entry less ``names`` (checked in a later pass); anything else as it is."""
    if not isinstance(entry, dict):
        return entry
    return {name: value for name, value in entry.items() if name not in names}


def _flat(detail: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """A serializer's errors as (field, message) pairs: ``aliases[0]``, ``actors[1].role``;
    errors of the record as a whole under ""."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = str(key)
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                yield from _flat(value, name)
            elif key.isdigit():
                yield from _flat(value, f"{name}[{key}]")
            else:
                yield from _flat(value, f"{name}.{key}" if name else key)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                yield from _flat(item, f"{name}[{index}]")
            else:
                yield name, str(item)
    else:
        yield name, str(detail)


def _shorten(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '..."'
