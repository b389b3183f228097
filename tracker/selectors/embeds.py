"""What a page of events or claims embeds, read for the whole page at once as plain rows: the
fast path, with its SQL compiled once per worker.

For a reader (``readers=True``, the default: what is not said to be for a curator is for
readers) only what readers may read is embedded: the published and retracted claims of an
event, its participants that are, a claim's events and relations to claims that are
(``tracker.visibility``). Each query has a reader's variant, compiled once too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    CharField,
    F,
    Func,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler

from tracker import shapes, visibility
from tracker.models import (
    Claim,
    ClaimRelation,
    Event,
    EventActor,
)
from tracker.search import read_connection

# A row of an embedded claim (its claimant and source included) and of a participant: named
# tuples of the columns their shapes read (``tracker.shapes``).
ClaimRow = shapes.CLAIM.row_type
ParticipantRow = shapes.PARTICIPANT.row_type
# A relation of a claim: (type, other claim id).
Relation = tuple[str, int]
# Selected as ISO text (see ``_embed_queries``).
_DATE_COLUMNS = tuple(
    path for path, column in shapes.CLAIM.flat_columns() if column.convert == shapes.DATE
)


@dataclass
class ClaimLinks:
    """The slugs of the events claims concern, in event order (``events[claim_id]``), and their
    relations as (type, other claim id) by relation id (``relations_out``, ``relations_in``)."""

    events: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    relations_out: dict[int, list[Relation]] = field(default_factory=lambda: defaultdict(list))
    relations_in: dict[int, list[Relation]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class EventEmbeds:
    """What a page of events embeds, as plain rows keyed by event id (no model instances).

    ``participants[event_id]``: ``ParticipantRow``s in participation order; ``tags[event_id]``:
    tag slugs in slug order; ``claims[event_id]``: ``ClaimRow``s by stated date then id;
    ``links``: the events and relations of those claims.
    """

    participants: dict[int, list[NamedTuple]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[int, list[NamedTuple]] = field(default_factory=lambda: defaultdict(list))
    links: ClaimLinks = field(default_factory=ClaimLinks)


def event_embeds(event_ids: Iterable[int], *, readers: bool = True) -> EventEmbeds:
    """Participants, tags and claims (with theirs) of these events: five queries for any page.

    The same rows, in the same order, as the prefetches of the tests' reference queryset
    (``tests/oracles.py``); read as named tuples rather than model instances, which cost more
    to build than the query on a page of 50 events and the 500 claims about them. Dates in the
    rows are ISO text. The queries are compiled once per worker (``_compiled_rows``).
    """
    embeds, event_ids = EventEmbeds(), list(event_ids)
    if not event_ids:
        return embeds
    events = _Listed(event_ids)  # one parameter for the three queries
    # Named tuples made from a slice (``_make``): called with 23 arguments, one costs several
    # times more (docs/benchmarks.md).
    participant, claim = ParticipantRow._make, ClaimRow._make
    for row in _compiled_rows("participants", readers, events=events):
        embeds.participants[row[0]].append(participant(row[1:]))
    for event_id, slug in _compiled_rows("tags", readers, events=events):
        embeds.tags[event_id].append(slug)
    claim_ids: set[int] = set()
    for row in _compiled_rows("claims", readers, events=events):
        embeds.claims[row[0]].append(named := claim(row[1:]))
        # The row type is made from the shape at run time; no type can declare its names.
        claim_ids.add(named.id)  # type: ignore[attr-defined]
    embeds.links = claim_links(claim_ids, readers=readers)
    return embeds


def claim_links(claim_ids: Iterable[int], *, readers: bool = True) -> ClaimLinks:
    """The events and relations of these claims: two queries for any number of claims."""
    links, claim_ids = ClaimLinks(), set(claim_ids)
    if not claim_ids:
        return links
    claims = _Listed(claim_ids)  # one parameter for both queries (0.07 ms for 500 claims)
    for claim_id, slug in _compiled_rows("claim events", readers, claims=claims):
        links.events[claim_id].append(slug)
    for _, from_id, to_id, kind in _compiled_rows("relations", readers, claims=claims):
        if from_id in claim_ids:
            links.relations_out[from_id].append((kind, to_id))
        if to_id in claim_ids:
            links.relations_in[to_id].append((kind, from_id))
    return links


def _embed_queries(readers: bool) -> dict[str, QuerySet[Any, Any]]:
    """The queries of ``event_embeds``, over the ids ``_Among`` stands for; a reader's keep to
    the rows readers may read."""
    seen = visibility.reader_filter
    about = Claim.events.through.objects.filter(_Among("event_id", "events"))
    if readers:
        about = about.filter(seen("claim__"))
    # Selected as text, the dates come as the ISO text the JSON holds instead of being parsed
    # each into a date that the JSON turns back into the same text.
    about = about.annotate(
        **{f"_claim__{column}": _iso_text(f"claim__{column}") for column in _DATE_COLUMNS}
    )
    columns = [
        f"_claim__{column}" if column in _DATE_COLUMNS else f"claim__{column}"
        for column in ClaimRow._fields
    ]
    # Each direction through its own index, then merged (an OR of the two would scan the table).
    relation = ("id", "from_claim_id", "to_claim_id", "type")
    outgoing = ClaimRelation.objects.filter(_Among("from_claim_id", "claims"))
    incoming = ClaimRelation.objects.filter(_Among("to_claim_id", "claims"))
    participants = EventActor.objects.filter(_Among("event_id", "events"))
    claim_events = Claim.events.through.objects.filter(_Among("claim_id", "claims"))
    if readers:
        # A relation is shown from both of its ends: the other end must be readable too.
        outgoing = outgoing.filter(seen("to_claim__"))
        incoming = incoming.filter(seen("from_claim__"))
        participants = participants.filter(seen("actor__"))
        claim_events = claim_events.filter(seen("event__"))
    return {
        "participants": (
            participants.order_by("id").values_list("event_id", *ParticipantRow._fields)
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
            claim_events.order_by(
                *(f"event__{key}" for key in Event._meta.ordering or ())
            ).values_list("claim_id", "event__slug")
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
    if read_connection().vendor == "postgresql":
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
    for ``IN (subquery)`` it hashed the subquery and scanned the whole table (docs/benchmarks.md);
    on SQLite a JSON list, which it also reads through the index.
    """

    output_field = BooleanField()

    def __init__(self, column: str, name: str) -> None:
        super().__init__(F(column))
        self.marker = _IdsMarker(name)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.marker]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, self.marker]


class _Listed:
    """Ids an embed query takes, made into their one parameter (``_ids_parameter``) once for
    every query that takes them."""

    __slots__ = ("_made", "ids")

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = ids
        self._made: dict[str, str] = {}

    def parameter(self, vendor: str) -> str:
        made = self._made.get(vendor)
        if made is None:
            made = self._made[vendor] = _ids_parameter(vendor, self.ids)
        return made


def _ids_parameter(vendor: str, ids: Iterable[int]) -> str:
    """The ids as the one parameter ``_Among`` takes: text, which the driver passes as it is
    (psycopg adapts a Python list element by element, through a regular expression)."""
    listed = ",".join(str(int(pk)) for pk in sorted(ids))
    return "{" + listed + "}" if vendor == "postgresql" else "[" + listed + "]"


_COMPILED: dict[tuple[str, str, bool], tuple[str, Sequence[Any]]] = {}


def _compiled_rows(
    name: str, readers: bool, **ids: Iterable[int] | _Listed
) -> list[tuple[Any, ...]]:
    """The rows of the embed query ``name`` for these ids, its SQL compiled once per database.

    The SQL comes from the ORM (``_embed_queries``) the first time and is kept; the ids are its
    only parameters. Rows come as the driver gives them, without the ORM's conversion of each
    value (on a page's 500 claims it would cost more than the query): the dates the rows hold
    are selected as ISO text, so no value needs converting. The columns come in the order
    ``values_list`` names them, annotations included (Django 5.2 selects them so; the fast-path
    tests would catch a change).
    """
    alias = router.db_for_read(Event)
    vendor = connections[alias].vendor
    # By vendor, not alias: every snapshot of as_of (tracker.as_of) is SQLite under a name of
    # its own, and the SQL is the same on each.
    if (vendor, name, readers) not in _COMPILED:
        query = _embed_queries(readers)[name].query
        _COMPILED[vendor, name, readers] = query.get_compiler(using=alias).as_sql()
    sql, params = _COMPILED[vendor, name, readers]
    # Each list of ids made into its parameter once, however many times the query takes it
    # (the relations take the claims' twice), and for every query given it as ``_Listed``.
    given = {
        marker: (listed if isinstance(listed, _Listed) else _Listed(listed)).parameter(vendor)
        for marker, listed in ids.items()
    }
    values = [given[param.name] if isinstance(param, _IdsMarker) else param for param in params]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, values)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
