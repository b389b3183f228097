"""Writes to the record: the API, the admin's bulk actions and commands all change it through these.

Each function takes keyword-only arguments, runs the models' full validation (EDTF dates,
quotes that stand in their source's text, unique slugs, ...), writes in one transaction and
leaves one history entry per record it changes, made by ``by`` (the user; None from a script).
References are model instances: resolving slugs or ids is the caller's job. Updates take
``data``, a dict of the fields to change; the links (a claim's events and relations, an
event's participants and tags, a source's credits) are replaced whole when given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

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
    Source,
    Tag,
)

if TYPE_CHECKING:
    from tracker.history import By

_Record = TypeVar("_Record", bound=models.Model)

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


def _save(
    instance: _Record,
    *,
    fields: dict[str, Any],
    by: By,
    history_type: str,
    links: Callable[[], None] | None = None,
) -> _Record:
    """Set ``fields``, validate the whole record, save it, set its links: one history entry."""
    for name, value in fields.items():
        setattr(instance, name, value)
    with transaction.atomic(), history.one_entry(instance, by=by, history_type=history_type):
        instance.full_clean()
        instance.save()
        if links is not None:
            links()
    return instance


def _record_changed(records: Iterable[models.Model], *, by: By) -> None:
    """A "changed" entry for records whose links a write changed from the other side."""
    for record in records:
        history.record(record, CHANGED, by=by)


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
) -> Actor:
    actor = Actor(slug=slug or unique_slug(Actor, name))
    fields = dict(
        name=name, kind=kind, title=title, affiliation=affiliation, wikidata=wikidata, notes=notes
    )
    return _save(actor, fields={**fields, "aliases": list(aliases)}, by=by, history_type=CREATED)


def actor_update(*, actor: Actor, data: dict[str, Any], by: By = None) -> Actor:
    _check_names(data, ACTOR_FIELDS)
    return _save(actor, fields=data, by=by, history_type=CHANGED)


@transaction.atomic
def actor_delete(*, actor: Actor, by: By = None) -> None:
    """Delete an actor no claim or source refers to (else ``ProtectedError``).

    Its members lose their affiliation and its events their participant: both are recorded.
    """
    members = list(actor.members.all())
    events = list(Event.objects.filter(participations__actor=actor).distinct())
    history.delete(actor, by=by)
    for member in members:
        member.affiliation = None
    _record_changed([*members, *events], by=by)


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
        history_type=CREATED,
        links=lambda: source.credits.set(credited),
    )


def source_update(*, source: Source, data: dict[str, Any], by: By = None) -> Source:
    """Change a source; a new text must still contain every quote marked in it."""
    _check_names(data, SOURCE_FIELDS | SOURCE_LINKS)
    fields = {name: value for name, value in data.items() if name in SOURCE_FIELDS}
    credited = data.get("credits")

    def links() -> None:
        relocate_quotes(source)
        if credited is not None:
            source.credits.set(credited)

    return _save(source, fields=fields, by=by, history_type=CHANGED, links=links)


def relocate_quotes(source: Source) -> None:
    """Store where each claim's quote stands in the source's (possibly new) text.

    The offsets are derived from the text, so this is no change to the claims' history. Every
    claim reads the text through the source's one index of it (``Source.text_locator``, built
    once per text), so the cost grows with the text, not with the claims times the text.
    """
    moved = []
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
def source_delete(*, source: Source, by: By = None) -> None:
    """Delete a source no claim is marked in (else ``ProtectedError``)."""
    history.delete(source, by=by)


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
) -> Event:
    """An event; ``actors`` are (actor, role) pairs, ``tags`` slugs (new ones are created)."""
    event = Event(slug=slug or unique_slug(Event, title))
    fields = dict(
        title=title, date=date, summary=summary, location=location, place=place, notes=notes
    )
    pairs, slugs = list(actors), list(tags)
    return _save(
        event,
        fields=fields,
        by=by,
        history_type=CREATED,
        links=lambda: _set_event_links(event, actors=pairs, tags=slugs),
    )


def event_update(*, event: Event, data: dict[str, Any], by: By = None) -> Event:
    _check_names(data, EVENT_FIELDS | EVENT_LINKS)
    fields = {name: value for name, value in data.items() if name in EVENT_FIELDS}
    links = {name: value for name, value in data.items() if name in EVENT_LINKS}
    return _save(
        event,
        fields=fields,
        by=by,
        history_type=CHANGED,
        links=lambda: _set_event_links(event, **links),
    )


def _set_event_links(
    event: Event,
    *,
    actors: Iterable[tuple[Actor, str | None]] | None = None,
    tags: Iterable[str] | None = None,
) -> None:
    if actors is not None:
        pairs = [(actor, role or "participant") for actor, role in actors]
        seen = set()
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
def event_delete(*, event: Event, by: By = None) -> None:
    """Delete an event; the claims about it stay, and their history shows the link gone."""
    claims = list(event.claims.all())
    history.delete(event, by=by)
    _record_changed(claims, by=by)


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
) -> Claim:
    """A claim as reported in ``source``; its quote must stand in the source's text.

    ``kind`` is ``statement`` (``claimant`` is reported to have said it) or ``report`` (the
    source's own narration; ``claimant`` is its author, publisher or credited outlet).

    ``relations`` are ``{"type": "supports"|"contradicts"|"repeats", "claim": Claim,
    "direction": "outgoing"|"incoming"}`` (outgoing: this claim supports the other).
    """
    claim = Claim(slug=slug or unique_slug(Claim, f"{claimant.slug} {text}", max_length=60))
    fields = dict(
        kind=kind, text=text, claimant=claimant, source=source, stated=stated, quote=quote,
        status=status, notes=notes,
    )  # fmt: skip
    linked, related = list(events), list(relations)
    return _save(
        claim,
        fields=fields,
        by=by,
        history_type=CREATED,
        links=lambda: _set_claim_links(claim, by=by, events=linked, relations=related),
    )


def claim_update(*, claim: Claim, data: dict[str, Any], by: By = None) -> Claim:
    _check_names(data, CLAIM_FIELDS | CLAIM_LINKS)
    fields = {name: value for name, value in data.items() if name in CLAIM_FIELDS}
    links = {name: value for name, value in data.items() if name in CLAIM_LINKS}
    return _save(
        claim,
        fields=fields,
        by=by,
        history_type=CHANGED,
        links=lambda: _set_claim_links(claim, by=by, **links),
    )


def _set_claim_links(
    claim: Claim,
    *,
    by: By,
    events: Iterable[Event] | None = None,
    relations: Iterable[dict[str, Any]] | None = None,
) -> None:
    if events is not None:
        claim.events.set(events)
    if relations is None:
        return
    wanted = set()
    for relation in relations:
        other = relation["claim"]
        if other.pk == claim.pk:
            raise ValidationError({"relations": "A claim cannot relate to itself."})
        if relation.get("direction", "outgoing") == "outgoing":
            wanted.add((claim.pk, other.pk, relation["type"]))
        else:
            wanted.add((other.pk, claim.pk, relation["type"]))
    current = ClaimRelation.objects.filter(models.Q(from_claim=claim) | models.Q(to_claim=claim))
    existing = {(row.from_claim_id, row.to_claim_id, row.type): row for row in current}
    gone = [row for key, row in existing.items() if key not in wanted]
    new = [
        ClaimRelation(from_claim_id=source, to_claim_id=target, type=type_)
        for source, target, type_ in sorted(wanted - set(existing))
    ]
    ClaimRelation.objects.filter(pk__in=[row.pk for row in gone]).delete()
    ClaimRelation.objects.bulk_create(new)
    # An incoming relation is the other claim's outgoing one: its history shows the change.
    others = {row.from_claim_id for row in [*gone, *new]} - {claim.pk}
    _record_changed(Claim.objects.filter(pk__in=others).order_by("pk"), by=by)


@transaction.atomic
def claim_delete(*, claim: Claim, by: By = None) -> None:
    """Delete a claim; claims that related to it show the relation gone in their history."""
    others = list(Claim.objects.filter(relations_out__to_claim=claim).distinct())
    history.delete(claim, by=by)
    _record_changed(others, by=by)


def claims_set_status(*, claims: models.QuerySet[Claim], status: str, by: By = None) -> int:
    """Set the status of many claims (the admin's bulk actions); returns how many changed."""
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
            _save(claim, fields={"status": status}, by=by, history_type=CHANGED)
            count += 1
    return count
