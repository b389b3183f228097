"""The practical limit: the events page from raw SQL and orjson, no framework, no ORM.

A WSGI app that answers ``GET /api/v1/events/?date_from=...&date_to=...&page_size=...`` with
the same JSON as the project (the benchmark checks that they agree) over the same database,
using the DB-API driver directly: the same bounded window query, the embeds read for the whole
page, rows turned straight into dicts. Whatever the project costs beyond this is the framework.
It reads ``DATABASE_URL`` (PostgreSQL) or ``SQLITE_PATH``. Of ``tracker`` it knows only the
shapes (``tracker/shapes.py``, plain Python without Django): the columns it selects and the
JSON it builds from them are theirs, so a field added there is served here too.

    gunicorn bench.baseline:app --bind 127.0.0.1:8001
"""

from __future__ import annotations

import datetime
import os
import sqlite3
from collections import Counter, defaultdict
from urllib.parse import parse_qs, urlencode

import orjson

from tracker import shapes

DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRESQL = DATABASE_URL.startswith(("postgres://", "postgresql://"))
P = "%s" if POSTGRESQL else "?"  # the driver's placeholder
_connection = None  # opened on the first request (tests/test_baseline.py lends it Django's)


def _connect():
    if POSTGRESQL:
        import psycopg

        # Prepared after five runs, as the project's connections are (config/settings.py).
        return psycopg.connect(DATABASE_URL, autocommit=True, prepare_threshold=5)
    connection = sqlite3.connect(os.environ["SQLITE_PATH"], check_same_thread=False)
    # The page cache the project's connections have (config/settings.py, SQLITE_CACHE_KIB).
    connection.execute(f"PRAGMA cache_size=-{int(os.environ.get('SQLITE_CACHE_KIB', '65536'))}")
    return connection


def _rows(sql: str, params=()) -> list[tuple]:
    global _connection
    if _connection is None:
        _connection = _connect()
    cursor = _connection.cursor()
    cursor.execute(sql.replace("%s", P), params)
    return cursor.fetchall()


def _among(column: str, ids: list[int]) -> tuple[str, list]:
    """``column`` is one of ``ids``: on PostgreSQL one array parameter (read through the
    column's index, and the same SQL for any number of ids, so it is prepared), on SQLite a
    list of parameters. The project does the same (tracker/selectors/embeds.py)."""
    if P == "%s":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _window(value: str, last: bool) -> datetime.date:
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 3:
        return datetime.date(*parts)
    if len(parts) == 2:
        first = datetime.date(parts[0], parts[1], 1)
        if not last:
            return first
        return (first.replace(day=28) + datetime.timedelta(days=4)).replace(
            day=1
        ) - datetime.timedelta(days=1)
    return datetime.date(parts[0], 12, 31) if last else datetime.date(parts[0], 1, 1)


# The tables the shapes' columns come from, by the lookup that reaches them (see the joins).
EVENT_TABLES = {"": "e", "place": "pl"}
PARTICIPANT_TABLES = {"": "ea", "actor": "a"}
CLAIM_TABLES = {"": "c", "claimant": "a", "source": "s", "source__publisher": "p"}


def _select(shape: shapes.Shape, tables: dict[str, str]) -> str:
    """The SQL columns of a shape's columns, in order (``source__publisher__name``: ``p.name``)."""
    selected = []
    for path in shape.columns:
        relation, _, name = path.rpartition("__")
        selected.append(f"{tables[relation]}.{name}")
    return ", ".join(selected)


EventRow, ParticipantRow, ClaimRow = (
    shapes.EVENT.row_type,
    shapes.PARTICIPANT.row_type,
    shapes.CLAIM.row_type,
)
EVENT_COLUMNS = _select(shapes.EVENT, EVENT_TABLES)
# The review states a reader sees (tracker.visibility.READER_STATES), as SQL.
READER = "('published', 'retracted')"
PARTICIPANT_COLUMNS = _select(shapes.PARTICIPANT, PARTICIPANT_TABLES)
CLAIM_COLUMNS = _select(shapes.CLAIM, CLAIM_TABLES)
participant_json = shapes.PARTICIPANT.builder()


def events_page(query: dict[str, str], base_url: str) -> dict:
    date_from = _window(query["date_from"], last=False)
    date_to = _window(query["date_to"], last=True)
    page_size = min(int(query.get("page_size", 50)), 200)
    page = int(query.get("page", 1))
    (longest,) = _rows("SELECT MAX(date_span) FROM tracker_event")[0]
    # A reader's page: published and retracted records only (tracker.visibility).
    where = f"date_end >= %s AND date_start >= %s AND date_start <= %s AND state IN {READER}"
    earliest = date_from - datetime.timedelta(days=longest or 0)
    params = (date_from.isoformat(), earliest.isoformat(), date_to.isoformat())
    (count,) = _rows(f"SELECT COUNT(*) FROM tracker_event WHERE {where}", params)[0]
    events = [
        EventRow._make(row)
        for row in _rows(
            f"SELECT {EVENT_COLUMNS} FROM tracker_event e "
            f"LEFT JOIN tracker_place pl ON pl.id = e.place_id WHERE {where} "
            "ORDER BY date_start, date_precision, date_end, e.title, e.id LIMIT %s OFFSET %s",
            (*params, page_size, (page - 1) * page_size),
        )
    ]
    ids = [event.id for event in events]
    participants, tags, claim_rows = defaultdict(list), defaultdict(list), defaultdict(list)
    claim_events, relations_out, relations_in = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    if ids:
        where, where_params = _among("ea.event_id", ids)
        for row in _rows(
            f"SELECT ea.event_id, {PARTICIPANT_COLUMNS} "
            "FROM tracker_eventactor ea JOIN tracker_actor a ON a.id = ea.actor_id "
            f"WHERE {where} AND a.state IN {READER} ORDER BY ea.id",
            where_params,
        ):
            participants[row[0]].append(participant_json(ParticipantRow._make(row[1:])))
        where, where_params = _among("et.event_id", ids)
        for event_id, slug in _rows(
            "SELECT et.event_id, t.slug FROM tracker_event_tags et "
            f"JOIN tracker_tag t ON t.id = et.tag_id WHERE {where} "
            "ORDER BY t.slug",
            where_params,
        ):
            tags[event_id].append(slug)
        where, where_params = _among("ce.event_id", ids)
        for row in _rows(
            f"SELECT ce.event_id, {CLAIM_COLUMNS} "
            "FROM tracker_claim_events ce JOIN tracker_claim c ON c.id = ce.claim_id "
            "JOIN tracker_actor a ON a.id = c.claimant_id "
            "JOIN tracker_source s ON s.id = c.source_id "
            "LEFT JOIN tracker_actor p ON p.id = s.publisher_id "
            f"WHERE {where} AND c.state IN {READER} ORDER BY c.stated_start, c.id",
            where_params,
        ):
            claim_rows[row[0]].append(ClaimRow._make(row[1:]))
        claim_ids = list({row.id for rows in claim_rows.values() for row in rows})
        if claim_ids:
            where, where_params = _among("ce.claim_id", claim_ids)
            for claim_id, slug in _rows(
                "SELECT ce.claim_id, e.slug FROM tracker_claim_events ce "
                f"JOIN tracker_event e ON e.id = ce.event_id WHERE {where} "
                f"AND e.state IN {READER} ORDER BY e.date_start, e.date_end, e.title",
                where_params,
            ):
                claim_events[claim_id].append(slug)
            # Each direction through its own index (an OR of the two scans the table).
            outgoing, out_params = _among("from_claim_id", claim_ids)
            incoming, in_params = _among("to_claim_id", claim_ids)
            for _, from_id, to_id, kind in _rows(
                "SELECT r.id, from_claim_id, to_claim_id, type FROM tracker_claimrelation r "
                f"JOIN tracker_claim o ON o.id = r.to_claim_id WHERE {outgoing} "
                f"AND o.state IN {READER} "
                "UNION SELECT r.id, from_claim_id, to_claim_id, type FROM tracker_claimrelation r "
                f"JOIN tracker_claim o ON o.id = r.from_claim_id WHERE {incoming} "
                f"AND o.state IN {READER} ORDER BY 1",
                out_params + in_params,
            ):
                relations_out[from_id].append(
                    {"type": kind, "claim": to_id, "direction": "outgoing"}
                )
                relations_in[to_id].append(
                    {"type": kind, "claim": from_id, "direction": "incoming"}
                )

    claim_json = shapes.CLAIM.builder(
        url=lambda pk: f"{base_url}claims/{pk}/",
        events=claim_events.__getitem__,
        relations=lambda pk: relations_out[pk] + relations_in[pk],
    )

    def sources(event_id):
        rows = claim_rows[event_id]
        counts = Counter(row.source__id for row in rows)
        source_json = shapes.EVENT_SOURCE.builder(prefix="source__", claims=counts.__getitem__)
        briefs = [source_json(row) for row in {row.source__id: row for row in rows}.values()]
        return sorted(briefs, key=lambda source: (source["published"], source["slug"]))

    event_json = shapes.EVENT.builder(
        url=lambda pk: f"{base_url}events/{pk}/",
        actors=participants.__getitem__,
        tags=tags.__getitem__,
        attested=lambda pk: any(row.quote for row in claim_rows[pk]),
        sources=sources,
        claims=lambda pk: [claim_json(row) for row in claim_rows[pk]],
    )
    results = [event_json(event) for event in events]

    def link(number):
        # As DRF's page links: the first page's has no ``page``.
        linked = {key: value for key, value in query.items() if key != "page"}
        linked.update({"page": number} if number > 1 else {})
        return f"{base_url}events/?{urlencode(sorted(linked.items()))}"

    return {
        "count": count,
        "next": link(page + 1) if page * page_size < count else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }


def app(environ, start_response):
    query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    base_url = f"http://{environ.get('HTTP_HOST', 'localhost')}/api/v1/"
    body = orjson.dumps(events_page(query, base_url))
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
