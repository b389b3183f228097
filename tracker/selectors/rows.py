"""Exports (CSV): plain rows, not model instances, so that a list of any size streams quickly."""

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


def _rows(
    records: QuerySet[Any], fields: list[str], related: Related, chunk_size: int
) -> Iterator[dict[str, Any]]:
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


EVENT_ROW_FIELDS = [
    "id", "slug", "title", "summary", "date", "date_start", "date_end", "date_precision",
    "location", "place__slug", "place__name", "place__latitude", "place__longitude",
    "place__wikidata", "place__geonames",
]  # fmt: skip


def event_rows(events: QuerySet[Event], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Events with their participants as (slug, role), tag slugs and claim ids, in the orders of
    the JSON. One query, and three per chunk."""
    through_tags, through_claims = Event.tags.through, Claim.events.through
    related: Related = {
        "actors": lambda ids: (
            EventActor.objects.filter(event_id__in=ids)
            .order_by("id")
            .values_list("event_id", "actor__slug", "role")
        ),
        "tags": lambda ids: (
            through_tags.objects.filter(event_id__in=ids)
            .order_by("tag__slug")
            .values_list("event_id", "tag__slug")
        ),
        "claim_ids": lambda ids: (
            through_claims.objects.filter(event_id__in=ids)
            .order_by("claim__stated_start", "claim_id")
            .values_list("event_id", "claim_id")
        ),
        # (source slug, whether the claim has a quote) per claim, in the order of ``sources``.
        # django-stubs does not follow an annotation on an auto-created through model ("quoted").
        "evidence": lambda ids: (
            through_claims.objects.filter(event_id__in=ids)  # type: ignore[misc]
            .annotate(quoted=ExpressionWrapper(~Q(claim__quote=""), output_field=BooleanField()))
            .order_by("claim__source__published_start", "claim__source__slug")
            .values_list("event_id", "claim__source__slug", "quoted")
        ),
    }
    return _rows(events, EVENT_ROW_FIELDS, related, chunk_size)


CLAIM_ROW_FIELDS = [
    "id", "slug", "text", "quote", "quote_start", "quote_end",
    "claimant__id", "claimant__slug", "claimant__name", "claimant__kind",
    "source__id", "source__slug", "source__title", "source__publisher__name", "source__published",
    "source__url", "stated", "stated_start", "stated_end", "stated_precision", "status",
    "kind", "notes",
]  # fmt: skip


def claim_rows(claims: QuerySet[Claim], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Claims with claimant and source columns, the slugs of their events (by date) and their
    relations as (type, direction, other claim id). One query, and three per chunk."""
    through_events = Claim.events.through
    related: Related = {
        "events": lambda ids: (
            through_events.objects.filter(claim_id__in=ids)
            .order_by("event__date_start", "event__date_end", "event__title")
            .values_list("claim_id", "event__slug")
        ),
        "relations_out": lambda ids: (
            ClaimRelation.objects.filter(from_claim_id__in=ids)
            .order_by("id")
            .values_list("from_claim_id", "type", "to_claim_id")
        ),
        "relations_in": lambda ids: (
            ClaimRelation.objects.filter(to_claim_id__in=ids)
            .order_by("id")
            .values_list("to_claim_id", "type", "from_claim_id")
        ),
    }
    return _rows(claims, CLAIM_ROW_FIELDS, related, chunk_size)


def actor_rows(actors: QuerySet[Actor], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Actors with their affiliation's columns. One query."""
    fields = ["id", "slug", "name", "kind", "title", "affiliation__id", "affiliation__slug",
              "affiliation__name", "affiliation__kind", "aliases", "wikidata"]  # fmt: skip
    return _rows(actors, fields, {}, chunk_size)


def source_rows(sources: QuerySet[Source], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Sources with their publisher's columns and credited outlets, without their text. One
    query, and one per chunk."""
    fields = ["id", "slug", "title", "publisher__id", "publisher__slug", "publisher__name",
              "publisher__kind", "author", "url", "published", "published_start", "published_end",
              "published_precision", "language", "notes", "retrieved", "archive_url",
              "text_sha256"]  # fmt: skip
    related: Related = {
        "credits": lambda ids: (
            Source.credits.through.objects.filter(source_id__in=ids)
            .order_by("actor__slug")
            .values_list("source_id", "actor__slug")
        ),
    }
    return _rows(sources, fields, related, chunk_size)
