"""Exports (CSV): plain rows, not model instances, so that a list of any size streams quickly.

A row holds the columns of its resource's shape (``tracker.shapes``), keyed by their lookups
(``claimant__slug``), and the lists the export flattens, keyed by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    QuerySet,
)

from tracker import shapes, visibility
from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    Event,
    EventActor,
    Source,
)

# Each reads the filtered queryset's columns in one query (fetched in chunks, in its order), and
# per chunk one query for each list a row carries.

Related = dict[str, Callable[[list[int]], Iterable[tuple[Any, ...]]]]
# A row: column names (those of the shape) and related lists to their values.
Row = dict[str, Any]


def _rows(
    records: QuerySet[Any], fields: Iterable[str], related: Related, chunk_size: int
) -> Iterator[Row]:
    """``fields`` of every record as a dict, plus, per name in ``related``, the list of items its
    loader returns for the record (a loader takes a chunk's ids, returns (id, item) pairs)."""
    rows = records.values(*fields).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        ids = [row["id"] for row in chunk]
        for name, load in related.items():
            found: dict[int, list[Any]] = defaultdict(list)
            for owner, *item in load(ids):
                found[owner].append(item[0] if len(item) == 1 else tuple(item))
            for row in chunk:
                row[name] = found.get(row["id"], [])
        yield from chunk


def event_rows(events: QuerySet[Event], *, chunk_size: int, readers: bool = True) -> Iterator[Row]:
    """Events with their participants as (slug, role), tag slugs and claim ids, in the orders of
    the JSON (for ``readers``, what readers may read). One query, and three per chunk."""
    through_tags = Event.tags.through
    participants, about = EventActor.objects.all(), Claim.events.through.objects.all()
    if readers:
        participants = participants.filter(visibility.reader_filter("actor__"))
        about = about.filter(visibility.reader_filter("claim__"))
    related: Related = {
        "actors": lambda ids: (
            participants.filter(event_id__in=ids)
            .order_by("id")
            .values_list("event_id", "actor__slug", "role")
        ),
        "tags": lambda ids: (
            through_tags.objects.filter(event_id__in=ids)
            .order_by("tag__slug")
            .values_list("event_id", "tag__slug")
        ),
        "claim_ids": lambda ids: (
            about.filter(event_id__in=ids)
            .order_by("claim__stated_start", "claim_id")
            .values_list("event_id", "claim_id")
        ),
        # (source slug, whether the claim has a quote) per claim, in the order of ``sources``.
        "evidence": lambda ids: (
            about.filter(event_id__in=ids)
            .annotate(quoted=ExpressionWrapper(~Q(claim__quote=""), output_field=BooleanField()))
            .order_by("claim__source__published_start", "claim__source__slug")
            # The plugin cannot resolve a name made by annotate() inside a lambda.
            .values_list("event_id", "claim__source__slug", "quoted")  # type: ignore[misc]
        ),
    }
    return _rows(events, shapes.EVENT.columns, related, chunk_size)


def claim_rows(claims: QuerySet[Claim], *, chunk_size: int, readers: bool = True) -> Iterator[Row]:
    """Claims with claimant and source columns, the slugs of their events (by date) and their
    relations as (type, direction, other claim id) (for ``readers``, to what readers may read).
    One query, and three per chunk."""
    about = Claim.events.through.objects.all()
    outgoing, incoming = ClaimRelation.objects.all(), ClaimRelation.objects.all()
    if readers:
        about = about.filter(visibility.reader_filter("event__"))
        outgoing = outgoing.filter(visibility.reader_filter("to_claim__"))
        incoming = incoming.filter(visibility.reader_filter("from_claim__"))
    related: Related = {
        "events": lambda ids: (
            about.filter(claim_id__in=ids)
            .order_by("event__date_start", "event__date_end", "event__title")
            .values_list("claim_id", "event__slug")
        ),
        "relations_out": lambda ids: (
            outgoing.filter(from_claim_id__in=ids)
            .order_by("id")
            .values_list("from_claim_id", "type", "to_claim_id")
        ),
        "relations_in": lambda ids: (
            incoming.filter(to_claim_id__in=ids)
            .order_by("id")
            .values_list("to_claim_id", "type", "from_claim_id")
        ),
    }
    return _rows(claims, shapes.CLAIM.columns, related, chunk_size)


def actor_rows(actors: QuerySet[Actor], *, chunk_size: int, readers: bool = True) -> Iterator[Row]:
    """Actors with their affiliation's columns. One query."""
    return _rows(actors, shapes.ACTOR.columns, {}, chunk_size)


def source_rows(
    sources: QuerySet[Source], *, chunk_size: int, readers: bool = True
) -> Iterator[Row]:
    """Sources with their publisher's columns and credited outlets, without their text. One
    query, and one per chunk."""
    related: Related = {
        "credits": lambda ids: (
            Source.credits.through.objects.filter(source_id__in=ids)
            .order_by("actor__slug")
            .values_list("source_id", "actor__slug")
        ),
    }
    return _rows(sources, shapes.SOURCE.columns, related, chunk_size)
