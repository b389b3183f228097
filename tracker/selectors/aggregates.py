"""Aggregates for the stats endpoints and the dashboards."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Substr, TruncMonth, TruncYear

from tracker import visibility
from tracker.models import (
    Actor,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    EventActor,
    Source,
)
from tracker.search import read_connection


def timeline(*, events: QuerySet[Event], bucket: str, readers: bool = True) -> list[dict[str, Any]]:
    """Events and the claims about them per year or month, every period in range present.

    ``events`` counts the events whose date starts in the period; ``claims`` counts the claims
    attached to those events (a claim about two events counts for each; for ``readers`` only
    the claims readers may read). Two queries.
    """
    about = Claim.events.through.objects.all()
    if readers:
        about = about.filter(visibility.reader_filter("claim__"))
    event_rows = (
        events.order_by()
        .annotate(period=_period("date_start", bucket))
        .values("period")
        .annotate(n=Count("id"))
    )
    # django-stubs does not follow an annotation on an auto-created through model ("period").
    claim_rows = (
        about.filter(  # type: ignore[misc]
            event__in=events.order_by().values("id")
        )
        .annotate(period=_period("event__date_start", bucket))
        .values("period")
        .annotate(n=Count("id"))
    )
    counts: dict[datetime.date, list[int]] = {}
    for row in event_rows:
        counts.setdefault(_as_date(row["period"]), [0, 0])[0] = row["n"]
    for row in claim_rows:
        counts.setdefault(_as_date(row["period"]), [0, 0])[1] = row["n"]
    if not counts:
        return []
    periods = _periods(min(counts), max(counts), bucket)
    return [
        {
            "period": _label(day, bucket),
            "events": counts.get(day, (0, 0))[0],
            "claims": counts.get(day, (0, 0))[1],
        }
        for day in periods
    ]


def _count(queryset: QuerySet[Any], field: str, *, distinct: str = "id") -> Coalesce:
    """A correlated subquery: how many rows of ``queryset`` point at the outer row by ``field``."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count(distinct, distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


ACTOR_RANKS = {
    "total": ["-total", "-event_count", "-claim_count"],
    "events": ["-event_count", "-claim_count"],
    "claims": ["-claim_count", "-event_count"],
}


def actor_activity(
    *, kind: str | None = None, rank: str = "total", limit: int = 20, readers: bool = True
) -> list[dict[str, Any]]:
    """The most active actors: per actor, ``events`` is how many distinct events they take part
    in (any role), ``claims`` how many claims they made (as claimant). Actors with neither are
    left out. Ranked by ``rank`` (``total`` is events + claims), then name. For ``readers``,
    only what readers may read is counted. One query."""
    actors, participations, claims = (
        Actor.objects.all(),
        EventActor.objects.all(),
        Claim.objects.all(),
    )
    if readers:
        actors = actors.filter(visibility.reader_filter())
        participations = participations.filter(visibility.reader_filter("event__"))
        claims = claims.filter(visibility.reader_filter())
    actors = (
        actors.annotate(
            event_count=_count(participations, "actor", distinct="event"),
            claim_count=_count(claims, "claimant"),
        )
        .annotate(total=F("event_count") + F("claim_count"))
        .filter(total__gt=0)
    )
    if kind:
        actors = actors.filter(kind=kind)
    actors = actors.order_by(*ACTOR_RANKS[rank], "name", "id")[:limit]
    return [
        {"actor": slug, "name": name, "kind": kind, "events": events, "claims": claims}
        for slug, name, kind, events, claims in actors.values_list(
            "slug", "name", "kind", "event_count", "claim_count"
        )
    ]


def source_claims(*, limit: int = 20, readers: bool = True) -> list[dict[str, Any]]:
    """Claims per source, most first (then by publication date and title), sources without
    claims included (for ``readers``, the sources and claims readers may read). One query."""
    shown, counted = Source.objects.all(), Claim.objects.all()
    if readers:
        shown = shown.filter(visibility.reader_filter())
        counted = counted.filter(visibility.reader_filter())
    sources = (
        shown.annotate(claim_count=_count(counted, "source"))
        .order_by("-claim_count", "published_start", "title", "id")
        .values_list("slug", "title", "publisher__name", "published", "claim_count")[:limit]
    )
    return [
        {"source": slug, "title": title, "publisher": publisher, "published": published,
         "claims": claims}
        for slug, title, publisher, published, claims in sources
    ]  # fmt: skip


def publisher_claims(*, limit: int = 20, readers: bool = True) -> list[dict[str, Any]]:
    """Per publisher: how many sources it published and how many claims those sources report.
    Sources without a publisher make one row whose ``publisher`` and ``name`` are null. Most
    claims first, then by name. For ``readers``, the sources and claims readers may read.
    One query."""
    sources = Source.objects.all()
    counted = Count("claims")
    if readers:
        sources = sources.filter(visibility.reader_filter())
        counted = Count("claims", filter=visibility.reader_filter("claims__"))
    # An annotation may share a reverse relation's name (Django refuses only a field's); the
    # django-stubs plugin takes it for a redefinition.
    rows = (
        sources.order_by()  # type: ignore[no-redef]
        .values("publisher__slug", "publisher__name")
        .annotate(sources=Count("id", distinct=True), claims=counted)
        .order_by("-claims", "-sources", F("publisher__name").asc(nulls_last=True))[:limit]
    )
    return [
        {"publisher": row["publisher__slug"], "name": row["publisher__name"],
         "sources": row["sources"], "claims": row["claims"]}
        for row in rows
    ]  # fmt: skip


def claim_counts(*, claims: QuerySet[Claim], by: str) -> list[dict[str, Any]]:
    """Claims by ``status`` or ``kind`` (every value, zeros included, in the order of its
    choices) or per ``year``/``month`` of the day their ``stated`` date starts on, with a column
    per status and every period between the first and the last present. One query."""
    claims = claims.order_by()
    if by in ("status", "kind"):
        choices = ClaimStatus.values if by == "status" else ClaimKind.values
        counts = dict(claims.values_list(by).annotate(n=Count("id")))
        return [{by: value, "claims": counts.get(value, 0)} for value in choices]
    rows = (
        claims.annotate(period=_period("stated_start", by))
        .values_list("period", "status")
        .annotate(n=Count("id"))
    )
    per_period: dict[datetime.date, dict[str, int]] = {}
    for period, status, n in rows:
        per_period.setdefault(_as_date(period), {})[status] = n
    if not per_period:
        return []
    return [
        {
            "period": _label(day, by),
            "claims": sum(per_period.get(day, {}).values()),
            **{status: per_period.get(day, {}).get(status, 0) for status in ClaimStatus.values},
        }
        for day in _periods(min(per_period), max(per_period), by)
    ]


def _label(day: datetime.date, bucket: str) -> str:
    return f"{day.year:04d}" if bucket == "year" else f"{day.year:04d}-{day.month:02d}"


def _period(column: str, bucket: str) -> Func:
    if read_connection().vendor == "sqlite":
        # Django's Trunc calls a Python function per row on SQLite (seconds for a million rows);
        # dates are ISO text there, so the period is a prefix of it.
        return Substr(column, 1, 4 if bucket == "year" else 7, output_field=CharField())
    return (TruncYear if bucket == "year" else TruncMonth)(column)


def _as_date(value: str | datetime.date) -> datetime.date:
    if isinstance(value, str):  # "YYYY" or "YYYY-MM", from _period on SQLite
        return datetime.date(int(value[:4]), int(value[5:7] or 1), 1)
    return value.date() if isinstance(value, datetime.datetime) else value


def _periods(first: datetime.date, last: datetime.date, bucket: str) -> list[datetime.date]:
    periods, day = [], first
    while day <= last:
        periods.append(day)
        if day.year == datetime.MAXYEAR and (bucket == "year" or day.month == 12):
            break  # the calendar's last period: there is no next one to step to
        if bucket == "year":
            day = day.replace(year=day.year + 1)
        else:
            day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return periods
