"""Writes to the record: the API, the admin, the importer, loaddata and commands all change it
through these (only ``generate_data``'s synthetic bulk load bypasses them, see its docstring).

Each function takes keyword-only arguments, runs the models' full validation (EDTF dates,
quotes that stand in their source's text, unique slugs, ...), writes in one transaction and
leaves one history entry per record it changes (``tracker.history``), made by ``by`` (the user;
None from a script) for ``reason`` (its change reason: ``api``, ``admin``, ``import FILE``...).
References are model instances: resolving slugs or ids is the caller's job. Updates take
``data``, a dict of the fields to change; the links (a claim's events and relations, an
event's participants and tags, a source's credits) are replaced whole when given.

Every content write sets the record's ``last_editor`` (``by``). A record is created ``draft``
and changes state only through :func:`transition` (``tracker.models.ReviewState``); a change
of a claim's ``status`` needs a ``rationale``, which its history entry keeps.

Besides the functions per kind of record: :func:`batch` makes many writes one (all or nothing,
one entry per record at the end: an import file, a fixture); :func:`record_save` and
:func:`record_delete` write a record a form has filled in (the admin, with its inlines);
:func:`record_load` saves a record as a fixture gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models, transaction
from django.utils.text import slugify

from tracker import history, record_version
from tracker.history import CHANGED, CREATED
from tracker.models import (
    Actor,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Event,
    EventActor,
    Place,
    ReviewState,
    Source,
    Tag,
)
from tracker.visibility import READER_STATES

ACTOR_FIELDS = {"slug", "name", "kind", "title", "affiliation", "aliases", "wikidata", "notes"}
SOURCE_FIELDS = {
    "slug", "title", "publisher", "author", "url", "published", "language", "text", "notes",
    "retrieved", "archive_url",
}  # fmt: skip
SOURCE_LINKS = {"credits"}
EVENT_FIELDS = {"slug", "title", "summary", "date", "location", "place", "notes"}
EVENT_LINKS = {"actors", "tags"}
CLAIM_FIELDS = {
    "slug", "kind", "text", "quote", "claimant", "source", "stated", "status", "notes",
}  # fmt: skip
CLAIM_LINKS = {"events", "relations"}

T = TypeVar("T")
Record = TypeVar("Record", bound=models.Model)
# Who writes: the request's user (an anonymous one is recorded as nobody), None from a script.
By = AbstractBaseUser | AnonymousUser | None


def unique_slug(model: type[models.Model], text: str, *, max_length: int = 80) -> str:
    """A free slug made from ``text``: ``vladivostok-summit``, else ``vladivostok-summit-2``..."""
    base = slugify(text)[:max_length].rstrip("-") or str(model._meta.model_name)
    slug, number = base, 2
    while model._default_manager.filter(slug=slug).exists():
        suffix = f"-{number}"
        slug, number = base[: max_length - len(suffix)].rstrip("-") + suffix, number + 1
    return slug


def _check_names(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _editor(by: By) -> Any:
    """The user a content write names as the record's last editor (None: a script, nobody)."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _save(
    instance: Record,
    *,
    fields: dict[str, Any],
    by: By,
    reason: str,
    history_type: str,
    links: Callable[[], None] | None = None,
    rationale: str = "",
    content: bool = True,
) -> Record:
    """Set ``fields``, validate the whole record, save it, set its links: one history entry
    (which keeps ``rationale``). A ``content`` write names ``by`` the record's last editor."""
    for name, value in fields.items():
        setattr(instance, name, value)
    if content and hasattr(instance, "last_editor_id"):
        instance.last_editor = _editor(by)  # type: ignore[attr-defined]
    with (
        transaction.atomic(),
        history.one_entry(
            instance, by=by, history_type=history_type, reason=reason, rationale=rationale
        ),
    ):
        instance.full_clean()
        instance.save()
        if links is not None:
            links()
    return instance


def _record_changed(records: Iterable[models.Model], *, by: By, reason: str) -> None:
    """A "changed" entry for records whose links a write changed from the other side."""
    for record in records:
        history.record(record, CHANGED, by=by, reason=reason)


@contextmanager
def batch(*, by: By = None, reason: str = "") -> Iterator[None]:
    """Many writes as one (an import file, a fixture): one transaction, all or nothing, and one
    history entry per record they create or change, written once all are done (a record created
    in one step and linked in another has one "created" entry; what was already stored as it
    is records nothing). See ``tracker.history.batch``."""
    with transaction.atomic(), history.batch(by=by, reason=reason):
        yield


# --- Records a form or a file has filled in -------------------------------------------------


def record_save(
    *,
    record: Record,
    by: By = None,
    reason: str = "",
    links: Callable[[], Iterable[models.Model]] | None = None,
    rationale: str = "",
) -> Record:
    """Save a record whose fields a form has set (the admin's change form and its inlines).

    Like every write here: full validation, one transaction, one history entry (created for a
    new record, else changed) once ``links`` has run. ``links`` saves what goes with the record
    (its many-to-many fields, its inlines) and returns the records on the other side whose
    links it changed (a claim linked to an event from the event's page): each gets a "changed"
    entry too.
    """
    history_type = CREATED if record._state.adding else CHANGED
    if isinstance(record, Claim) and not record._state.adding:
        stored = Claim.objects.filter(pk=record.pk).values_list("status", flat=True).first()
        if stored is not None and stored != record.status:
            require_status_rationale(rationale)

    def save_links() -> None:
        if links is not None:
            _record_changed(links(), by=by, reason=reason)

    return _save(
        record,
        fields={},
        by=by,
        reason=reason,
        history_type=history_type,
        links=save_links,
        rationale=rationale,
    )


def record_delete(*, record: models.Model, by: By = None, reason: str = "") -> None:
    """Delete a record through the function for its kind (``claim_delete``, ...)."""
    delete: dict[type[models.Model], Callable[..., None]] = {
        Actor: actor_delete,
        Source: source_delete,
        Event: event_delete,
        Claim: claim_delete,
    }
    model = type(record)
    delete[model](**{str(model._meta.model_name): record}, by=by, reason=reason)


def record_load(
    *, record: models.Model, save: Callable[[], T], by: By = None, reason: str = ""
) -> T:
    """Save a record as a file gives it (a fixture: its id, fields and links kept, written by the
    loader's own ``save``), after the model's full validation (which also derives date bounds
    and quote offsets). Its history entry says created or changed as its latest entry does, and
    nothing if the file holds it as stored; in a :func:`batch`, once the batch is done (a
    fixture's links come after its records). Returns what ``save`` returns."""
    if record.pk is not None:
        # Matched to a stored record (by id or natural key): unique checks must exclude it,
        # as they do for any edit.
        stored = type(record)._default_manager.filter(pk=record.pk).exists()
        record._state.adding = not stored
    record.full_clean()
    if history.tracker_of(type(record)) is None:  # a link row (a participant, a relation)
        return save()
    with (
        batch(by=by, reason=reason),
        history.one_entry(record, by=by, history_type=None, reason=reason),
    ):
        return save()


# --- Actors ---------------------------------------------------------------------------------


def actor_create(
    *,
    name: str,
    kind: str,
    slug: str = "",
    title: str = "",
    affiliation: Actor | None = None,
    aliases: Iterable[str] = (),
    wikidata: str = "",
    notes: str = "",
    by: By = None,
    reason: str = "",
) -> Actor:
    actor = Actor(slug=slug or unique_slug(Actor, name))
    fields = dict(
        name=name, kind=kind, title=title, affiliation=affiliation, wikidata=wikidata, notes=notes
    )
    return _save(
        actor,
        fields={**fields, "aliases": list(aliases)},
        by=by,
        reason=reason,
        history_type=CREATED,
    )


def actor_update(*, actor: Actor, data: dict[str, Any], by: By = None, reason: str = "") -> Actor:
    _check_names(data, ACTOR_FIELDS)
    return _save(actor, fields=data, by=by, reason=reason, history_type=CHANGED)


@transaction.atomic
def actor_delete(*, actor: Actor, by: By = None, reason: str = "") -> None:
    """Delete an actor no claim or source refers to (else ``ProtectedError``).

    Its members lose their affiliation and its events their participant: both are recorded.
    """
    members = list(actor.members.all())
    events = list(Event.objects.filter(participations__actor=actor).distinct())
    history.delete(actor, by=by, reason=reason)
    for member in members:
        member.affiliation = None
    _record_changed([*members, *events], by=by, reason=reason)


# --- Sources --------------------------------------------------------------------------------


def source_create(
    *,
    title: str,
    published: str,
    text: str,
    slug: str = "",
    publisher: Actor | None = None,
    author: str = "",
    url: str = "",
    language: str = "en",
    notes: str = "",
    retrieved: str = "",
    archive_url: str = "",
    credits: Iterable[Actor] = (),
    by: By = None,
    reason: str = "",
) -> Source:
    """A captured document; ``credits`` are the outlets or agencies it credits."""
    source = Source(slug=slug or unique_slug(Source, title))
    fields = dict(
        title=title, published=published, text=text, publisher=publisher, author=author,
        url=url, language=language, notes=notes, retrieved=retrieved, archive_url=archive_url,
    )  # fmt: skip
    credited = list(credits)
    return _save(
        source,
        fields=fields,
        by=by,
        reason=reason,
        history_type=CREATED,
        links=lambda: source.credits.set(credited),
    )


def source_update(
    *, source: Source, data: dict[str, Any], by: By = None, reason: str = ""
) -> Source:
    """Change a source; a new text must still contain every quote marked in it."""
    _check_names(data, SOURCE_FIELDS | SOURCE_LINKS)
    fields = {name: value for name, value in data.items() if name in SOURCE_FIELDS}
    credited = data.get("credits")

    def links() -> None:
        relocate_quotes(source)
        if credited is not None:
            source.credits.set(credited)

    return _save(source, fields=fields, by=by, reason=reason, history_type=CHANGED, links=links)


def relocate_quotes(source: Source) -> None:
    """Store where each claim's quote stands in the source's (possibly new) text.

    The offsets are derived from the text, so this is no change to the claims' history. Every
    claim reads the text through the source's one index of it (``Source.text_locator``, built
    once per text), so the cost grows with the text, not with the claims times the text.
    """
    moved: list[Claim] = []
    for claim in source.claims.exclude(quote=""):
        before = (claim.quote_start, claim.quote_end)
        claim.source = source
        claim.locate_quote()
        if (claim.quote_start, claim.quote_end) != before:
            moved.append(claim)  # a change after every quote moves none of them
    # In batches: with server-side binding PostgreSQL takes at most 65,535 parameters a
    # statement, and an update costs about five per claim.
    Claim.objects.bulk_update(moved, ["quote_start", "quote_end"], batch_size=1000)


@transaction.atomic
def source_delete(*, source: Source, by: By = None, reason: str = "") -> None:
    """Delete a source no claim is marked in (else ``ProtectedError``)."""
    history.delete(source, by=by, reason=reason)


# --- Events ---------------------------------------------------------------------------------


def event_create(
    *,
    title: str,
    date: str,
    slug: str = "",
    summary: str = "",
    location: str = "",
    place: Place | None = None,
    notes: str = "",
    actors: Iterable[tuple[Actor, str]] = (),
    tags: Iterable[str] = (),
    by: By = None,
    reason: str = "",
) -> Event:
    """An event; ``actors`` are (actor, role) pairs, ``tags`` slugs (new ones are created)."""
    event = Event(slug=slug or unique_slug(Event, title))
    fields = dict(
        title=title, date=date, summary=summary, location=location, place=place, notes=notes
    )
    participants, tag_slugs = list(actors), list(tags)
    return _save(
        event,
        fields=fields,
        by=by,
        reason=reason,
        history_type=CREATED,
        links=lambda: _set_event_links(event, actors=participants, tags=tag_slugs),
    )


def event_update(*, event: Event, data: dict[str, Any], by: By = None, reason: str = "") -> Event:
    _check_names(data, EVENT_FIELDS | EVENT_LINKS)
    fields = {name: value for name, value in data.items() if name in EVENT_FIELDS}
    links = {name: value for name, value in data.items() if name in EVENT_LINKS}
    return _save(
        event,
        fields=fields,
        by=by,
        reason=reason,
        history_type=CHANGED,
        links=lambda: _set_event_links(event, **links),
    )


def _set_event_links(
    event: Event,
    *,
    actors: Iterable[tuple[Actor, str]] | None = None,
    tags: Iterable[str] | None = None,
) -> None:
    if actors is not None:
        pairs = [(actor, role or "participant") for actor, role in actors]
        seen: set[tuple[int, str]] = set()
        for actor, role in pairs:
            if (actor.pk, role) in seen:
                raise ValidationError({"actors": f"'{actor.slug}' is listed twice as {role}."})
            seen.add((actor.pk, role))
        # Rewritten in the order given, which is the order the event shows them in.
        event.participations.all().delete()
        EventActor.objects.bulk_create(
            [EventActor(event=event, actor=actor, role=role) for actor, role in pairs]
        )
    if tags is not None:
        for slug in tags:
            try:
                validate_slug(slug)
            except ValidationError:
                raise ValidationError({"tags": f"'{slug}' is not a valid tag slug."}) from None
        event.tags.set(
            [Tag.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in tags]
        )


@transaction.atomic
def event_delete(*, event: Event, by: By = None, reason: str = "") -> None:
    """Delete an event; the claims about it stay, and their history shows the link gone."""
    claims = list(event.claims.all())
    history.delete(event, by=by, reason=reason)
    _record_changed(claims, by=by, reason=reason)


# --- Claims ---------------------------------------------------------------------------------


def claim_create(
    *,
    text: str,
    claimant: Actor,
    source: Source,
    stated: str,
    slug: str = "",
    kind: str = ClaimKind.STATEMENT,
    quote: str = "",
    status: str = ClaimStatus.UNVERIFIED,
    notes: str = "",
    events: Iterable[Event] = (),
    relations: Iterable[dict[str, Any]] = (),
    by: By = None,
    reason: str = "",
) -> Claim:
    """A claim as reported in ``source``; its quote must stand in the source's text.

    ``kind`` is ``statement`` (``claimant`` is reported to have said it) or ``report`` (the
    source's own narration; ``claimant`` is its author, publisher or credited outlet).

    ``relations`` are ``{"type": "supports"|"contradicts"|"repeats", "claim": Claim,
    "direction": "outgoing"|"incoming", "note": str}`` (outgoing: this claim supports the
    other; ``note``, optional, the curator's note on the relation: left out, a stored
    relation keeps its own).
    """
    claim = Claim(slug=slug or unique_slug(Claim, f"{claimant.slug} {text}", max_length=60))
    fields = dict(
        kind=kind, text=text, claimant=claimant, source=source, stated=stated, quote=quote,
        status=status, notes=notes,
    )  # fmt: skip
    about, related = list(events), list(relations)
    return _save(
        claim,
        fields=fields,
        by=by,
        reason=reason,
        history_type=CREATED,
        links=lambda: _set_claim_links(
            claim, by=by, reason=reason, events=about, relations=related
        ),
    )


def claim_update(
    *, claim: Claim, data: dict[str, Any], by: By = None, reason: str = "", rationale: str = ""
) -> Claim:
    """Change a claim; a change of its ``status`` needs a ``rationale`` (kept in its history)."""
    _check_names(data, CLAIM_FIELDS | CLAIM_LINKS)
    fields = {name: value for name, value in data.items() if name in CLAIM_FIELDS}
    links = {name: value for name, value in data.items() if name in CLAIM_LINKS}
    if "status" in fields and fields["status"] != claim.status:
        require_status_rationale(rationale)
    return _save(
        claim,
        fields=fields,
        by=by,
        reason=reason,
        history_type=CHANGED,
        links=lambda: _set_claim_links(claim, by=by, reason=reason, **links),
        rationale=rationale,
    )


def require_status_rationale(rationale: str) -> None:
    """A claim's status says how far it can be believed: a change of it says why."""
    if not (rationale or "").strip():
        raise ValidationError(
            {"rationale": "A change of a claim's status needs a rationale: say why."}
        )


def _set_claim_links(
    claim: Claim,
    *,
    by: By,
    reason: str,
    events: Iterable[Event] | None = None,
    relations: Iterable[dict[str, Any]] | None = None,
) -> None:
    if events is not None:
        claim.events.set(events)
    if relations is None:
        return
    wanted: dict[
        tuple[int, int, str], str | None
    ] = {}  # (from, to, type) -> its note (None: as stored)
    for relation in relations:
        other = relation["claim"]
        if other.pk == claim.pk:
            raise ValidationError({"relations": "A claim cannot relate to itself."})
        if relation.get("direction", "outgoing") == "outgoing":
            key = (claim.pk, other.pk, relation["type"])
        else:
            key = (other.pk, claim.pk, relation["type"])
        wanted[key] = relation.get("note")
    current = ClaimRelation.objects.filter(models.Q(from_claim=claim) | models.Q(to_claim=claim))
    existing = {(row.from_claim_id, row.to_claim_id, row.type): row for row in current}
    gone = [row for key, row in existing.items() if key not in wanted]
    new = [
        ClaimRelation(from_claim_id=source, to_claim_id=target, type=type_, note=note or "")
        for (source, target, type_), note in sorted(wanted.items())
        if (source, target, type_) not in existing
    ]
    renoted = []
    for key, row in existing.items():
        note = wanted.get(key)
        if note is not None and note != row.note:
            row.note = note
            renoted.append(row)
    ClaimRelation.objects.filter(pk__in=[row.pk for row in gone]).delete()
    ClaimRelation.objects.bulk_create(new)
    ClaimRelation.objects.bulk_update(renoted, ["note"])
    # An incoming relation is the other claim's outgoing one: its history shows the change.
    others = {row.from_claim_id for row in [*gone, *new]} - {claim.pk}
    _record_changed(Claim.objects.filter(pk__in=others).order_by("pk"), by=by, reason=reason)


@transaction.atomic
def claim_delete(*, claim: Claim, by: By = None, reason: str = "") -> None:
    """Delete a claim; claims that related to it show the relation gone in their history."""
    others = list(Claim.objects.filter(relations_out__to_claim=claim).distinct())
    history.delete(claim, by=by, reason=reason)
    _record_changed(others, by=by, reason=reason)


def claims_set_status(
    *,
    claims: models.QuerySet[Claim],
    status: str,
    rationale: str,
    by: By = None,
    reason: str = "",
) -> int:
    """Set the status of many claims (the admin's bulk actions), for one ``rationale``;
    returns how many changed."""
    require_status_rationale(rationale)
    with transaction.atomic():
        record_version.lock()  # before the rows' locks: see tracker.record_version
        changing = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("source")
            .filter(pk__in=claims.values("pk"))
            .exclude(status=status)
            .order_by("pk")
        )
        count = 0
        for claim in changing:
            _save(
                claim,
                fields={"status": status},
                by=by,
                reason=reason,
                history_type=CHANGED,
                rationale=rationale,
            )
            count += 1
    return count


# --- The editorial workflow -----------------------------------------------------------------


def records_enter_state(*, records: Iterable[models.Model], state: str) -> None:
    """Give records a file has just created (an import, in its batch) the review state the file
    is trusted with: ``draft`` (the default everywhere) to be reviewed, or ``published`` for a
    vetted file. Not a transition: the records enter the record in that state, and their one
    "created" entry (written when the batch ends) shows it."""
    if state not in ReviewState.values:
        raise ValidationError({"state": f"'{state}' is not a state."})
    by_model: dict[type[models.Model], list[Any]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    for model, pks in by_model.items():
        model._default_manager.filter(pk__in=pks).update(state=state)


# (from, to): the name of the move. Anything else is refused (409, rule "no_such_transition").
TRANSITIONS = {
    (ReviewState.DRAFT, ReviewState.IN_REVIEW): "submit",
    (ReviewState.IN_REVIEW, ReviewState.DRAFT): "send_back",
    (ReviewState.IN_REVIEW, ReviewState.PUBLISHED): "approve",
    (ReviewState.PUBLISHED, ReviewState.RETRACTED): "retract",
    (ReviewState.RETRACTED, ReviewState.IN_REVIEW): "reinstate",
}
# Moves that must say why: the reason is shown with the record (and kept in its history).
RATIONALE_REQUIRED = {"send_back", "retract", "reinstate"}
# What a record's representation embeds of another record (its brief form): published, it
# would show readers a draft's name, so those must be readable first.
EMBEDDED_REFERENCES = {
    "claim": ("claimant", "source"),
    "source": ("publisher",),
    "actor": ("affiliation",),
}


class WorkflowError(Exception):
    """A transition refused: ``rule`` names the rule (the API's body carries it)."""

    status = 409

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.message, self.rule = message, rule


class TransitionNotAllowed(WorkflowError):
    """The workflow has no such move, or the move lacks what it needs (a 409)."""


class TransitionForbidden(WorkflowError):
    """The user may not make this move: no publish permission, or their own edit (a 403)."""

    status = 403


def transition(
    *, record: Record, to: str, rationale: str = "", by: By = None, reason: str = ""
) -> Record:
    """Move ``record`` to the state ``to`` (see ``TRANSITIONS``), with its ``rationale``.

    Approving (in_review to published) needs the ``publish_<model>`` permission (the
    ``reviewers`` group) and, with ``REVIEW_SECOND_CURATOR`` on, a user other than the record's
    last editor. Sending back, retracting and reinstating need a rationale. ``by`` None (a
    script) is trusted. The state, its rationale and who moved it are one history entry; the
    record's content and its last editor are left as they are.
    """
    model = type(record)
    name = str(model._meta.model_name)
    current = getattr(record, "state")  # noqa: B009 (every record has one; the TypeVar does not say)
    if to not in ReviewState.values:
        raise ValidationError(
            {"state": f"'{to}' is not a state: one of {', '.join(ReviewState.values)}."}
        )
    move = TRANSITIONS.get((ReviewState(current), ReviewState(to)))
    if move is None:
        allowed = [str(target) for source, target in TRANSITIONS if source == current]
        raise TransitionNotAllowed(
            f"A {name} in the state {current} cannot move to {to}"
            + (f"; it may move to {' or '.join(allowed)}." if allowed else "."),
            rule="no_such_transition",
        )
    rationale = (rationale or "").strip()
    if move in RATIONALE_REQUIRED and not rationale:
        raise TransitionNotAllowed(
            f"Moving a {name} from {current} to {to} ({move.replace('_', ' ')}) needs a "
            "rationale: say why.",
            rule="rationale_required",
        )
    if move == "approve":
        hidden = [
            f"{field} '{other.slug}' is {other.state}"
            for field in EMBEDDED_REFERENCES.get(name, ())
            for other in [getattr(record, field)]
            if other is not None and other.state not in READER_STATES
        ]
        if isinstance(record, Source):  # the outlets it credits show by name too
            hidden += [
                f"credited '{slug}' is {state}"
                for slug, state in record.credits.exclude(state__in=READER_STATES)
                .order_by("slug")
                .values_list("slug", "state")
            ]
        if hidden:
            raise TransitionNotAllowed(
                f"Publish what this {name} shows first: its {', '.join(hidden)}.",
                rule="unpublished_reference",
            )
    if move == "approve" and by is not None:
        if not getattr(by, "has_perm", lambda perm: False)(f"tracker.publish_{name}"):
            raise TransitionForbidden(
                f"Publishing a {name} needs the permission tracker.publish_{name} "
                "(the reviewers group).",
                rule="publish_permission",
            )
        editor = getattr(record, "last_editor_id", None)
        if settings.REVIEW_SECOND_CURATOR and editor is not None and editor == by.pk:
            raise TransitionForbidden(
                f"You made the last edit of this {name}: another curator must publish it "
                "(REVIEW_SECOND_CURATOR).",
                rule="second_curator",
            )
    with transaction.atomic():
        record_version.lock()
        return _save(
            record,
            fields={"state": to, "state_rationale": rationale},
            by=by,
            reason=reason or move,
            history_type=CHANGED,
            rationale=rationale,
            content=False,
        )
