"""Importing a source document and its claims from one JSON file: all or nothing, idempotent.

The format is documented in ``docs/import.md``. Every problem in a file is collected into one
report (each named by where it stands, e.g. ``claims[3] 'slug' quote``) before anything is kept:
one bad claim and the transaction is rolled back, so a file is imported whole or not at all.

Records are matched by slug. A record the database already holds is never changed: it must
agree with the file on every field the file gives (and hold every link the file lists), in
which case it is reported ``unchanged``; otherwise that is a conflict the report names. So
importing the same file twice changes nothing, and an import never overwrites curation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from tracker import history, quotes
from tracker.models import Actor, Claim, ClaimRelation, Event, Source

# Each section's fields: name -> (expected JSON type, required). A reference is a slug (str).
_TEXT, _LIST, _OBJECTS, _OPTIONAL_TEXT = "text", "list of texts", "list of objects", "text or null"
SOURCE_FIELDS = {
    "slug": (_TEXT, True), "title": (_TEXT, True), "publisher": (_OPTIONAL_TEXT, False),
    "author": (_TEXT, False), "url": (_TEXT, False), "published": (_TEXT, True),
    "language": (_TEXT, False), "text": (_TEXT, True), "notes": (_TEXT, False),
    "retrieved": (_TEXT, False), "archive_url": (_TEXT, False), "credits": (_LIST, False),
}  # fmt: skip
ACTOR_FIELDS = {
    "slug": (_TEXT, True), "name": (_TEXT, True), "kind": (_TEXT, True), "title": (_TEXT, False),
    "affiliation": (_OPTIONAL_TEXT, False), "aliases": (_LIST, False), "notes": (_TEXT, False),
}  # fmt: skip
CLAIM_FIELDS = {
    "slug": (_TEXT, True), "kind": (_TEXT, False), "text": (_TEXT, True), "quote": (_TEXT, False),
    "claimant": (_TEXT, True), "stated": (_TEXT, True), "status": (_TEXT, False),
    "events": (_LIST, False), "relations": (_OBJECTS, False), "notes": (_TEXT, False),
}  # fmt: skip
RELATION_FIELDS = {"type": (_TEXT, True), "claim": (_TEXT, True), "note": (_TEXT, False)}
DOCUMENT_FIELDS = {
    "source": ("object", True),
    "actors": (_OBJECTS, False),
    "claims": (_OBJECTS, True),
}
# Fields that name another record by its slug, and the model they name.
SOURCE_REFERENCES = {"publisher": Actor}
ACTOR_REFERENCES = {"affiliation": Actor}
CLAIM_REFERENCES = {"claimant": Actor}
_LINKED = {"events": "the event", "credits": "the credited actor"}  # links, named in problems


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


def import_source(*, document: Any, dry_run: bool = False) -> ImportReport:
    """Import one source and its claims (and the actors it declares), all or nothing.

    ``document`` is the parsed JSON of the file. The report lists every problem found; when
    there is any (or ``dry_run`` is set), nothing is written.
    """
    importer = _Importer(dry_run=dry_run)
    try:
        with transaction.atomic():
            importer.run(document)
            if importer.report.problems or dry_run:
                raise _Rollback
            history.record_if_changed(importer.saved)
    except _Rollback:
        pass
    return importer.report


class _Importer:
    def __init__(self, *, dry_run: bool):
        self.report = ImportReport(dry_run=dry_run)
        self.source: Source | None = None
        # slug -> claim for relations: saved, or valid but unsaved because the source was refused
        self.claims: dict[str, Claim] = {}
        self.invalid_claims: dict[str, str] = {}  # slug -> where it stands, for relations
        self.duplicates: set[str] = set()  # where the entries that repeat a slug stand
        self.saved: list[models.Model] = []  # records with a history, to record at the end

    def save(self, instance: models.Model) -> None:
        # History is written once the whole file is in, so that each new record's entry holds
        # its links (events, relations) too, as the validating loaddata does.
        if history.tracker_of(type(instance)) is not None:
            # django-simple-history reads it off the instance (not in any model's type).
            instance.skip_history_when_saving = True  # type: ignore[attr-defined]
            self.saved.append(instance)
        instance.save()

    def problem(self, where: str, field_name: str, message: str) -> None:
        self.report.problems.append(Problem(where, field_name, message))

    def outcome(self, kind: str, label: str, action: str) -> None:
        self.report.outcomes.append(Outcome(kind, label, action))

    # The shape of the file --------------------------------------------------------------

    def check_shape(self, where: str, entry: Any, fields: dict) -> bool:
        """Types, required and unknown fields of one object; True when it may go further."""
        if not isinstance(entry, dict):
            self.problem(where, "", f"must be a JSON object, not {_json_type(entry)}.")
            return False
        ok = True
        for name in sorted(entry.keys() - fields.keys(), key=str):
            self.problem(where, str(name), f"unknown field (expected: {', '.join(fields)}).")
            ok = False
        for name, (expected, required) in fields.items():
            if name not in entry:
                if required:
                    self.problem(where, name, "this field is required.")
                    ok = False
                continue
            message = _type_problem(entry[name], expected)
            if message:
                self.problem(where, name, message)
                ok = False
        return ok

    # The records ----------------------------------------------------------------------

    def run(self, document: Any) -> None:
        if not self.check_shape("file", document, DOCUMENT_FIELDS):
            return
        actors = document.get("actors", [])
        claims = document["claims"]
        self.duplicates = self.report_duplicates("actors", actors) | self.report_duplicates(
            "claims", claims
        )
        self.import_actors(actors)
        source_data = document["source"]
        source_ok = self.check_shape("source", source_data, SOURCE_FIELDS)
        if source_ok:
            self.import_source(source_data)
        if not claims:
            self.problem("claims", "", "a file must hold at least one claim.")
        entries = []
        for index, entry in enumerate(claims):
            where = _where("claims", index, entry)
            if where in self.duplicates:
                continue
            if self.check_shape(where, entry, CLAIM_FIELDS):
                entries.append((where, entry))
                self.import_claim(
                    where, entry, source_data if isinstance(source_data, dict) else {}
                )
            elif isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                self.invalid_claims[entry["slug"]] = where
        for where, entry in entries:
            for index, relation in enumerate(entry.get("relations", [])):
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
        of the same file may name each other; affiliations are set in a second pass."""
        pending = []
        for index, entry in enumerate(entries):
            where = _where("actors", index, entry)
            if where in self.duplicates or not self.check_shape(where, entry, ACTOR_FIELDS):
                continue
            stored = Actor.objects.filter(slug=entry["slug"]).first()
            if stored is not None:
                if self.agrees(where, stored, entry, ACTOR_REFERENCES):
                    self.outcome("actor", entry["slug"], "unchanged")
                continue
            actor = Actor(**_plain(entry, ACTOR_REFERENCES))
            if self.validate(where, actor, exclude=["affiliation"]):
                self.save(actor)
                pending.append((where, actor, entry))
        for where, actor, entry in pending:
            if not self.resolve(where, actor, entry, ACTOR_REFERENCES) and self.validate(
                where, actor
            ):
                self.save(actor)
                self.outcome("actor", actor.slug, "created")

    def import_source(self, entry: dict) -> None:
        credit_slugs = entry.get("credits", [])
        credits = self.find(Actor, "source", "credits", credit_slugs)
        stored = Source.objects.filter(slug=entry["slug"]).first()
        if stored is not None:
            if self.agrees("source", stored, entry, SOURCE_REFERENCES) and self.links_agree(
                "source", "credits", stored.credits, credit_slugs
            ):
                self.source = stored
                self.outcome("source", stored.slug, "unchanged")
            return
        source = Source(**_plain(entry, SOURCE_REFERENCES))
        missing = self.resolve("source", source, entry, SOURCE_REFERENCES)
        valid = self.validate("source", source, exclude=missing)
        if valid and not missing and len(credits) == len(credit_slugs):
            self.save(source)
            source.credits.set(credits)
            self.source = source
            self.outcome("source", source.slug, "created")

    def find(self, model, where: str, field_name: str, slugs: list[str]) -> list:
        """The records named by slug, in the file's order; each missing one is a problem."""
        found = {record.slug: record for record in model._default_manager.filter(slug__in=slugs)}
        label = model._meta.verbose_name
        for slug in slugs:
            if slug not in found:
                self.problem(where, field_name, f"no {label} has the slug '{slug}'.")
        return [found[slug] for slug in slugs if slug in found]

    def find_events(self, where: str, slugs: list[str]) -> list[Event]:
        return self.find(Event, where, "events", slugs)

    def import_claim(self, where: str, entry: dict, source_entry: dict) -> None:
        slug = entry["slug"]
        event_slugs = entry.get("events", [])
        events = self.find_events(where, event_slugs)
        stored = Claim.objects.select_related("source", "claimant").filter(slug=slug).first()
        if stored is not None:
            if stored.source.slug != source_entry.get("slug", stored.source.slug):
                self.problem(
                    where, "slug",
                    f"a stored claim has this slug and belongs to the source "
                    f"'{stored.source.slug}', not to this one.",
                )  # fmt: skip
            elif self.agrees(where, stored, entry, CLAIM_REFERENCES, links=event_slugs):
                self.claims[slug] = stored
                self.outcome("claim", slug, "unchanged")
                return
            self.invalid_claims[slug] = where
            return
        claim = Claim(**_plain(entry, CLAIM_REFERENCES))
        missing = self.resolve(where, claim, entry, CLAIM_REFERENCES)
        valid = self.validate_claim(where, claim, source_entry, exclude=missing)
        if not valid or missing or len(events) != len(event_slugs):
            self.invalid_claims[slug] = where
            return
        self.claims[slug] = claim
        if self.source is None:
            return  # valid on its own; the source's problems keep it out
        self.save(claim)
        claim.events.set(events)
        self.outcome("claim", slug, "created")

    def validate_claim(
        self, where: str, claim: Claim, source_entry: dict, exclude: list[str]
    ) -> bool:
        if self.source is not None:
            claim.source = self.source
            return self.validate(where, claim, exclude=exclude)
        # The source could not be kept, so the model cannot check the quote against it; check
        # it against the file's text instead, so the report still names every bad quote.
        valid = self.validate(where, claim, exclude=[*exclude, "source"])
        text = source_entry.get("text")
        if claim.quote and isinstance(text, str) and quotes.locate(claim.quote, text) is None:
            self.problem(where, "quote", "this quote does not appear in the source's text.")
            valid = False
        return valid

    def import_relation(self, where: str, from_slug: str, entry: Any) -> None:
        if not self.check_shape(where, entry, RELATION_FIELDS):
            return
        from_claim = self.claims.get(from_slug)
        target = entry["claim"]
        to_claim = self.claims.get(target) or Claim.objects.filter(slug=target).first()
        if to_claim is None:
            if target in self.invalid_claims:
                message = (
                    f"the claim '{target}' is not imported: see {self.invalid_claims[target]}."
                )
            else:
                message = f"no claim has the slug '{target}'."
            self.problem(where, "claim", message)
            return
        if from_claim is None:
            return  # its own problems are reported already
        if from_claim.pk is None or to_claim.pk is None:
            # An end is unsaved (the source was refused): check what can be checked without it.
            relation = ClaimRelation(type=entry["type"], note=entry.get("note", ""))
            self.validate(where, relation, exclude=["from_claim", "to_claim"])
            return
        label = f"{from_slug} {entry['type']} {target}"
        stored = ClaimRelation.objects.filter(
            from_claim=from_claim, to_claim=to_claim, type=entry["type"]
        ).first()
        if stored is not None:
            if "note" in entry and stored.note != entry["note"]:
                self.conflict(where, "note", stored.note, entry["note"])
            else:
                self.outcome("relation", label, "unchanged")
            return
        relation = ClaimRelation(
            from_claim=from_claim, to_claim=to_claim, type=entry["type"], note=entry.get("note", "")
        )
        if self.validate(where, relation):
            self.save(relation)
            self.outcome("relation", label, "created")

    # Shared steps ---------------------------------------------------------------------

    def resolve(self, where: str, instance, entry: dict, references: dict) -> list[str]:
        """Set each slug reference the entry gives to the record it names; returns the names
        that name nothing (reported here, so validation leaves them out)."""
        missing = []
        for name, model in references.items():
            slug = entry.get(name)
            if slug is None:
                continue
            target = model.objects.filter(slug=slug).first()
            if target is None:
                label = model._meta.verbose_name
                self.problem(where, name, f"no {label} has the slug '{slug}'.")
                missing.append(name)
            else:
                setattr(instance, name, target)
        return missing

    def validate(self, where: str, instance: models.Model, exclude=None) -> bool:
        """Full model validation (EDTF dates, quotes, choices, uniqueness), problems reported."""
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(where, "" if name == "__all__" else name, message)
            return False
        return True

    def agrees(
        self, where: str, stored, entry: dict, references: dict, links: Sequence[str] = ()
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


def _plain(entry: dict, references: dict) -> dict:
    """The entry's own field values for the model constructor (references and links apart)."""
    return {
        name: value
        for name, value in entry.items()
        if name not in references and name not in ("events", "relations", "credits")
    }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean", int: "a number", float: "a number", str: "a text",
        list: "a list", dict: "an object",
    }.get(type(value), type(value).__name__)  # fmt: skip


def _text_problem(value: str) -> str | None:
    # PostgreSQL cannot store NUL in text; refuse it everywhere so both databases agree.
    if "\x00" in value:
        return "must not contain NUL characters."
    return None


def _type_problem(value: Any, expected: str) -> str | None:
    if expected == _OPTIONAL_TEXT and value is None:
        return None
    if expected in (_TEXT, _OPTIONAL_TEXT):
        if not isinstance(value, str):
            return f"must be {expected}, not {_json_type(value)}."
        return _text_problem(value)
    if expected == "object":
        return None if isinstance(value, dict) else f"must be an object, not {_json_type(value)}."
    if not isinstance(value, list):
        return f"must be a {expected}, not {_json_type(value)}."
    if expected == _LIST:
        for index, item in enumerate(value):
            if not isinstance(item, str):
                return f"item {index} must be a text, not {_json_type(item)}."
            if _text_problem(item):
                return f"item {index} {_text_problem(item)}"
        if len(set(value)) != len(value):
            return "lists the same item twice."
    return None


def _shorten(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '..."'
