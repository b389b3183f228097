"""Reads, shaped once: each resource's queryset with the joins and prefetches its views need.

The API and the admin both start from these, so the number of queries a page costs is designed
here rather than discovered later.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Now, TruncMonth, TruncYear

from tracker.models import Actor, Claim, ClaimRelation, Event, EventActor, RecordVersion, Source


def claim_queryset() -> QuerySet[Claim]:
    """Claims with what a claim's JSON embeds: claimant, source and publisher, events, relations."""
    return Claim.objects.select_related("claimant", "source__publisher").prefetch_related(
        Prefetch("events", queryset=Event.objects.only("id", "slug")),
        Prefetch("relations_out", queryset=ClaimRelation.objects.order_by("id")),
        Prefetch("relations_in", queryset=ClaimRelation.objects.order_by("id")),
    )


def event_queryset() -> QuerySet[Event]:
    """Events with their participants, tags and their claims embedded, in a constant query count."""
    return Event.objects.prefetch_related(
        Prefetch(
            "participations",
            queryset=EventActor.objects.select_related("actor").order_by("id"),
        ),
        "tags",
        Prefetch("claims", queryset=claim_queryset().order_by("stated_start", "id")),
    )


def actor_queryset() -> QuerySet[Actor]:
    return Actor.objects.select_related("affiliation")


def source_list_queryset() -> QuerySet[Source]:
    """Sources without their (long) text, which lists leave out."""
    return Source.objects.select_related("publisher").defer("text")


def source_detail_queryset() -> QuerySet[Source]:
    return Source.objects.select_related("publisher").prefetch_related(
        Prefetch(
            "claims",
            queryset=Claim.objects.select_related("claimant")
            .prefetch_related(Prefetch("events", queryset=Event.objects.only("id", "slug")))
            .order_by("quote_start", "id"),
        ),
        Prefetch("events", queryset=Event.objects.only("id", "slug", "title", "date")),
    )


def timeline(*, events: QuerySet[Event], bucket: str) -> list[dict]:
    """Events and the claims about them per year or month, every period in range present.

    ``events`` counts the events whose date starts in the period; ``claims`` counts the claims
    attached to those events (a claim about two events counts for each). Two queries.
    """
    trunc = TruncYear if bucket == "year" else TruncMonth
    event_rows = (
        events.order_by()
        .annotate(period=trunc("date_start"))
        .values("period")
        .annotate(n=Count("id"))
    )
    claim_rows = (
        Claim.events.through.objects.filter(event__in=events.order_by().values("id"))
        .annotate(period=trunc("event__date_start"))
        .values("period")
        .annotate(n=Count("id"))
    )
    counts: dict = {}
    for row in event_rows:
        counts.setdefault(_as_date(row["period"]), [0, 0])[0] = row["n"]
    for row in claim_rows:
        counts.setdefault(_as_date(row["period"]), [0, 0])[1] = row["n"]
    if not counts:
        return []
    periods = _periods(min(counts), max(counts), bucket)
    return [
        {
            "period": f"{day.year:04d}" if bucket == "year" else f"{day.year:04d}-{day.month:02d}",
            "events": counts.get(day, (0, 0))[0],
            "claims": counts.get(day, (0, 0))[1],
        }
        for day in periods
    ]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _periods(first: datetime.date, last: datetime.date, bucket: str) -> list[datetime.date]:
    periods, day = [], first
    while day <= last:
        periods.append(day)
        if bucket == "year":
            day = day.replace(year=day.year + 1)
        else:
            day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return periods


class Version(NamedTuple):
    """Where the record stands: ``number`` and ``changed`` move on every write (database triggers,
    see ``tracker.record_version``); ``now`` is the database's clock when this was read."""

    number: int
    changed: datetime.datetime | None
    now: datetime.datetime | None


def record_version() -> Version:
    """The record's version, in one query. Read it *before* the data it validates: a write that
    lands in between then makes the next request see a new version, never a stale one."""
    row = (
        RecordVersion.objects.filter(pk=1)
        .annotate(now=Now())
        .values_list("number", "changed", "now")
        .first()
    )
    return Version(*row) if row else Version(0, None, None)
