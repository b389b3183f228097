"""Reads, shaped once: each resource's queryset with the joins and prefetches its views need.

The API and the admin both start from these, so the number of queries a page costs is designed
here rather than discovered later.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from django.db import connection, connections, router
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Now, Substr, TruncMonth, TruncYear

from tracker.models import (
    Actor,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Event,
    EventActor,
    RecordVersion,
    Source,
)


def claim_queryset() -> QuerySet[Claim]:
    """Claims with what a claim's JSON embeds: claimant, source and publisher, events, relations.

    The source's text (the whole document) is left behind: a claim embeds only its brief form.
    """
    return (
        Claim.objects.select_related("claimant", "source__publisher")
        .defer("source__text", "source__notes", "source__publisher__notes")
        .prefetch_related(
            Prefetch("events", queryset=Event.objects.only("id", "slug")),
            Prefetch("relations_out", queryset=ClaimRelation.objects.order_by("id")),
            Prefetch("relations_in", queryset=ClaimRelation.objects.order_by("id")),
        )
    )


def claim_list_queryset() -> QuerySet[Claim]:
    """Claims with claimant, source and publisher; their events and relations come from
    ``claim_links`` for the whole page at once (``claim_queryset``'s prefetches build a related
    manager and a queryset per claim, 10 ms on a page of 50)."""
    return Claim.objects.select_related("claimant", "source__publisher").defer(
        "source__text", "source__notes", "source__publisher__notes"
    )


def event_queryset() -> QuerySet[Event]:
    """Events with their participants, tags and their claims embedded, in a constant query count."""
    return Event.objects.select_related("place").prefetch_related(
        Prefetch(
            "participations",
            queryset=EventActor.objects.select_related("actor").order_by("id"),
        ),
        "tags",
        Prefetch("claims", queryset=claim_queryset().order_by("stated_start", "id")),
    )


def attested_events(attested: bool = True) -> Q:
    """A condition on events: at least one claim with a quote (every claim has a source) attaches
    to the event; ``False`` for the events without such evidence."""
    evidence = Exists(
        Claim.events.through.objects.filter(event_id=OuterRef("pk")).exclude(claim__quote="")
    )
    return evidence if attested else ~evidence


def event_list_queryset() -> QuerySet[Event]:
    """Events alone (and their place): what they embed comes from ``event_embeds`` for the whole
    page at once."""
    return Event.objects.select_related("place").defer("notes", "created", "updated")


# The columns of an embedded claim, its claimant and its source, in the order of ClaimRow.
_CLAIM_COLUMNS = (
    "id", "slug", "text", "quote", "quote_start", "quote_end",
    "stated", "stated_start", "stated_end", "stated_precision", "status",
    "claimant_id", "claimant__slug", "claimant__name", "claimant__kind",
    "source_id", "source__slug", "source__title", "source__publisher__name",
    "source__published", "source__url", "kind", "notes",
)  # fmt: skip
_DATE_COLUMNS = ("claim__stated_start", "claim__stated_end")
EMBEDDED_CLAIM_FIELDS = tuple(column.replace("__", "_") for column in _CLAIM_COLUMNS)


@dataclass
class ClaimLinks:
    """The slugs of the events claims concern, in event order (``events[claim_id]``), and their
    relations as (type, other claim id) by relation id (``relations_out``, ``relations_in``)."""

    events: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    relations_out: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    relations_in: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class EventEmbeds:
    """What a page of events embeds, as plain rows keyed by event id (no model instances).

    ``participants[event_id]``: (actor id, slug, name, kind, role) in participation order;
    ``tags[event_id]``: tag slugs in slug order; ``claims[event_id]``: claim rows (tuples in
    the order of ``EMBEDDED_CLAIM_FIELDS``) by stated date then id; ``links``: the events and
    relations of those claims.
    """

    participants: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    links: ClaimLinks = field(default_factory=ClaimLinks)


def event_embeds(event_ids: list[int]) -> EventEmbeds:
    """Participants, tags and claims (with theirs) of these events: five queries for any page.

    The same rows, in the same order, as ``event_queryset``'s prefetches; read as tuples because
    building a model instance per row costs more than the query on a page of 50 events and the
    500 claims about them. Dates in the rows are ``datetime.date`` or ISO text. The queries are
    compiled once (``_compiled_rows``): building and compiling them took 6 ms of every page.
    """
    embeds = EventEmbeds()
    if not event_ids:
        return embeds
    for event_id, *participant in _compiled_rows("participants", events=event_ids):
        embeds.participants[event_id].append(tuple(participant))
    for event_id, slug in _compiled_rows("tags", events=event_ids):
        embeds.tags[event_id].append(slug)
    claim_ids = set()
    for event_id, *row in _compiled_rows("claims", events=event_ids):
        embeds.claims[event_id].append(tuple(row))
        claim_ids.add(row[0])
    embeds.links = claim_links(claim_ids)
    return embeds


def claim_links(claim_ids: Iterable[int]) -> ClaimLinks:
    """The events and relations of these claims: two queries for any number of claims."""
    links, claim_ids = ClaimLinks(), set(claim_ids)
    if not claim_ids:
        return links
    for claim_id, slug in _compiled_rows("claim events", claims=claim_ids):
        links.events[claim_id].append(slug)
    for _, from_id, to_id, kind in _compiled_rows("relations", claims=claim_ids):
        if from_id in claim_ids:
            links.relations_out[from_id].append((kind, to_id))
        if to_id in claim_ids:
            links.relations_in[to_id].append((kind, from_id))
    return links


def _embed_queries() -> dict[str, QuerySet]:
    """The queries of ``event_embeds``, over the ids ``_Among`` stands for."""
    about = Claim.events.through.objects.filter(_Among("event_id", "events"))
    # Selected as text, the dates come as the ISO text the JSON holds instead of being parsed
    # each into a date that the JSON turns back into the same text.
    about = about.annotate(**{f"_{column}": _iso_text(column) for column in _DATE_COLUMNS})
    columns = [
        f"_claim__{column}" if f"claim__{column}" in _DATE_COLUMNS else f"claim__{column}"
        for column in _CLAIM_COLUMNS
    ]
    # Each direction through its own index, then merged (an OR of the two would scan the table).
    relation = ("id", "from_claim_id", "to_claim_id", "type")
    outgoing = ClaimRelation.objects.filter(_Among("from_claim_id", "claims"))
    incoming = ClaimRelation.objects.filter(_Among("to_claim_id", "claims"))
    return {
        "participants": (
            EventActor.objects.filter(_Among("event_id", "events"))
            .order_by("id")
            .values_list(
                "event_id", "actor_id", "actor__slug", "actor__name", "actor__kind", "role"
            )
        ),
        "tags": (
            Event.tags.through.objects.filter(_Among("event_id", "events"))
            .order_by("tag__slug")
            .values_list("event_id", "tag__slug")
        ),
        "claims": about.order_by("claim__stated_start", "claim__id").values_list(
            "event_id", *columns
        ),
        "claim events": (
            Claim.events.through.objects.filter(_Among("claim_id", "claims"))
            .order_by(*(f"event__{key}" for key in Event._meta.ordering))
            .values_list("claim_id", "event__slug")
        ),
        "relations": (
            outgoing.order_by()
            .values_list(*relation)
            .union(incoming.order_by().values_list(*relation))
            .order_by("id")
        ),
    }


def _iso_text(column: str) -> Func:
    """A date column as ISO text: SQLite stores it so; PostgreSQL's own text for a date follows
    the server's DateStyle, so it is written out explicitly."""
    if connection.vendor == "postgresql":
        return Func(F(column), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())
    return Cast(column, CharField())


@dataclass(frozen=True)
class _IdsMarker:
    """Stands, in a query compiled once, for the list of ids given as ``name`` at run time."""

    name: str


class _Among(Func):
    """A condition: ``column`` is one of the ids given as ``name``, sent as one parameter.

    One parameter whatever the number of ids, so the SQL stays the same and is compiled once;
    on PostgreSQL an array (``= ANY``), which the planner reads through the column's index where
    for ``IN (subquery)`` it hashed the subquery and scanned the whole table (relations: 12 ms
    against 1.3 ms for a page's 550 claims among 30,000 relations); on SQLite a JSON list, which
    it also reads through the index.
    """

    output_field = BooleanField()

    def __init__(self, column: str, name: str):
        super().__init__(F(column))
        self.marker = _IdsMarker(name)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.marker]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, self.marker]


def _ids_parameter(vendor: str, ids: Iterable[int]) -> str:
    """The ids as the one parameter ``_Among`` takes: text, which the driver passes as it is
    (psycopg adapts a Python list element by element, 2 ms for a page's 1,100 ids)."""
    listed = ",".join(str(int(pk)) for pk in sorted(ids))
    return "{" + listed + "}" if vendor == "postgresql" else "[" + listed + "]"


_COMPILED: dict[tuple[str, str], tuple[str, tuple]] = {}


def _compiled_rows(name: str, **ids: Iterable[int]) -> list[tuple]:
    """The rows of the embed query ``name`` for these ids, its SQL compiled once per database.

    The SQL comes from the ORM (``_embed_queries``) the first time and is kept; the ids are its
    only parameters. Rows come as the driver gives them (see ``_driver_rows``).
    """
    alias = router.db_for_read(Event)
    if (alias, name) not in _COMPILED:
        query = _embed_queries()[name].query
        _COMPILED[alias, name] = query.get_compiler(using=alias).as_sql()
    sql, params = _COMPILED[alias, name]
    vendor = connections[alias].vendor
    values = [
        _ids_parameter(vendor, ids[param.name]) if isinstance(param, _IdsMarker) else param
        for param in params
    ]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _driver_rows(queryset: QuerySet) -> list[tuple]:
    """A ``values_list`` queryset's rows as the driver gives them, without the ORM's per-value
    conversion: on a page's 500 claims that costs more than the query. The columns come in the
    order ``values_list`` names them, annotations included (Django 5.2 selects them so; the
    fast-path tests would catch a change)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def actor_queryset() -> QuerySet[Actor]:
    return Actor.objects.select_related("affiliation")


_CREDITS = Prefetch("credits", queryset=Actor.objects.only("id", "slug", "name", "kind"))


def source_list_queryset() -> QuerySet[Source]:
    """Sources without their (long) text, which lists leave out."""
    return Source.objects.select_related("publisher").defer("text").prefetch_related(_CREDITS)


def source_detail_queryset() -> QuerySet[Source]:
    """A source with its claims (in text order) and their events, from which its events come."""
    events = Event.objects.only("id", "slug", "title", "date", "date_start", "date_end")
    return Source.objects.select_related("publisher").prefetch_related(
        _CREDITS,
        Prefetch(
            "claims",
            queryset=Claim.objects.select_related("claimant")
            .prefetch_related(Prefetch("events", queryset=events))
            .order_by("quote_start", "id"),
        ),
    )


def source_events(source: Source) -> list[Event]:
    """The events a source reports: those of its claims, each once, in the events' order.
    Reads what ``source_detail_queryset`` prefetched."""
    found = {event.pk: event for claim in source.claims.all() for event in claim.events.all()}
    return sorted(found.values(), key=lambda event: (event.date_start, event.date_end, event.title))


def timeline(*, events: QuerySet[Event], bucket: str) -> list[dict]:
    """Events and the claims about them per year or month, every period in range present.

    ``events`` counts the events whose date starts in the period; ``claims`` counts the claims
    attached to those events (a claim about two events counts for each). Two queries.
    """
    event_rows = (
        events.order_by()
        .annotate(period=_period("date_start", bucket))
        .values("period")
        .annotate(n=Count("id"))
    )
    claim_rows = (
        Claim.events.through.objects.filter(event__in=events.order_by().values("id"))
        .annotate(period=_period("event__date_start", bucket))
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
            "period": _label(day, bucket),
            "events": counts.get(day, (0, 0))[0],
            "claims": counts.get(day, (0, 0))[1],
        }
        for day in periods
    ]


def _count(queryset: QuerySet, field: str, *, distinct: str = "id") -> Coalesce:
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


def actor_activity(*, kind: str | None = None, rank: str = "total", limit: int = 20) -> list[dict]:
    """The most active actors: per actor, ``events`` is how many distinct events they take part
    in (any role), ``claims`` how many claims they made (as claimant). Actors with neither are
    left out. Ranked by ``rank`` (``total`` is events + claims), then name. One query."""
    actors = (
        Actor.objects.annotate(
            event_count=_count(EventActor.objects.all(), "actor", distinct="event"),
            claim_count=_count(Claim.objects.all(), "claimant"),
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


def source_claims(*, limit: int = 20) -> list[dict]:
    """Claims per source, most first (then by publication date and title), sources without
    claims included. One query."""
    sources = (
        Source.objects.annotate(claim_count=_count(Claim.objects.all(), "source"))
        .order_by("-claim_count", "published_start", "title", "id")
        .values_list("slug", "title", "publisher__name", "published", "claim_count")[:limit]
    )
    return [
        {"source": slug, "title": title, "publisher": publisher, "published": published,
         "claims": claims}
        for slug, title, publisher, published, claims in sources
    ]  # fmt: skip


def publisher_claims(*, limit: int = 20) -> list[dict]:
    """Per publisher: how many sources it published and how many claims those sources report.
    Sources without a publisher make one row whose ``publisher`` and ``name`` are null. Most
    claims first, then by name. One query."""
    rows = (
        Source.objects.order_by()
        .values("publisher__slug", "publisher__name")
        .annotate(sources=Count("id", distinct=True), claims=Count("claims"))
        .order_by("-claims", "-sources", F("publisher__name").asc(nulls_last=True))[:limit]
    )
    return [
        {"publisher": row["publisher__slug"], "name": row["publisher__name"],
         "sources": row["sources"], "claims": row["claims"]}
        for row in rows
    ]  # fmt: skip


def claim_counts(*, claims: QuerySet[Claim], by: str) -> list[dict]:
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
    counts: dict = {}
    for period, status, n in rows:
        counts.setdefault(_as_date(period), {})[status] = n
    if not counts:
        return []
    return [
        {
            "period": _label(day, by),
            "claims": sum(counts.get(day, {}).values()),
            **{status: counts.get(day, {}).get(status, 0) for status in ClaimStatus.values},
        }
        for day in _periods(min(counts), max(counts), by)
    ]


def _label(day: datetime.date, bucket: str) -> str:
    return f"{day.year:04d}" if bucket == "year" else f"{day.year:04d}-{day.month:02d}"


def _period(column: str, bucket: str):
    if connection.vendor == "sqlite":
        # Django's Trunc calls a Python function per row on SQLite (seconds for a million rows);
        # dates are ISO text there, so the period is a prefix of it.
        return Substr(column, 1, 4 if bucket == "year" else 7, output_field=CharField())
    return (TruncYear if bucket == "year" else TruncMonth)(column)


def _as_date(value) -> datetime.date:
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


# Exports (CSV): plain rows, not model instances, so that a list of any size streams quickly.
# Each reads the filtered queryset's columns in one query (fetched in chunks, in its order), and
# per chunk one query for each list a row carries.

Related = dict[str, Callable[[list[int]], Iterable[tuple]]]


def _rows(
    records: QuerySet, fields: list[str], related: Related, chunk_size: int
) -> Iterator[dict]:
    """``fields`` of every record as a dict, plus, per name in ``related``, the list of items its
    loader returns for the record (a loader takes a chunk's ids, returns (id, item) pairs)."""
    rows = records.values(*fields).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        ids = [row["id"] for row in chunk]
        for name, load in related.items():
            found: dict[int, list] = defaultdict(list)
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


def event_rows(events: QuerySet[Event], *, chunk_size: int) -> Iterator[dict]:
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
        "evidence": lambda ids: (
            through_claims.objects.filter(event_id__in=ids)
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


def claim_rows(claims: QuerySet[Claim], *, chunk_size: int) -> Iterator[dict]:
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


def actor_rows(actors: QuerySet[Actor], *, chunk_size: int) -> Iterator[dict]:
    """Actors with their affiliation's columns. One query."""
    fields = ["id", "slug", "name", "kind", "title", "affiliation__id", "affiliation__slug",
              "affiliation__name", "affiliation__kind", "aliases", "wikidata"]  # fmt: skip
    return _rows(actors, fields, {}, chunk_size)


def source_rows(sources: QuerySet[Source], *, chunk_size: int) -> Iterator[dict]:
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
