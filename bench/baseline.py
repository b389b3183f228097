"""The practical limit: the events page from raw SQL and orjson, no framework, no ORM.

A WSGI app that answers ``GET /api/v1/events/?date_from=...&date_to=...&page_size=...`` with
the same JSON as the project (the benchmark checks that they agree) over the same database,
using the DB-API driver directly: the same bounded window query, the embeds read for the whole
page, rows turned straight into dicts. Whatever the project costs beyond this is the framework.
It reads ``DATABASE_URL`` (PostgreSQL) or ``SQLITE_PATH``; it knows nothing of ``tracker``.

    gunicorn bench.baseline:app --bind 127.0.0.1:8001
"""

from __future__ import annotations

import datetime
import os
import sqlite3
from collections import defaultdict
from urllib.parse import parse_qs, urlencode

import orjson

DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _connect():
    if DATABASE_URL.startswith(("postgres://", "postgresql://")):
        import psycopg

        # Prepared after five runs, as the project's connections are (config/settings.py).
        return psycopg.connect(DATABASE_URL, autocommit=True, prepare_threshold=5), "%s"
    connection = sqlite3.connect(os.environ["SQLITE_PATH"], check_same_thread=False)
    return connection, "?"


_connection, P = _connect()


def _rows(sql: str, params=()) -> list[tuple]:
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


def _day(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


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


def events_page(query: dict[str, str], base_url: str) -> dict:
    date_from = _window(query["date_from"], last=False)
    date_to = _window(query["date_to"], last=True)
    page_size = min(int(query.get("page_size", 50)), 200)
    page = int(query.get("page", 1))
    (longest,) = _rows("SELECT MAX(date_span) FROM tracker_event")[0]
    where = "date_end >= %s AND date_start >= %s AND date_start <= %s"
    earliest = date_from - datetime.timedelta(days=longest or 0)
    params = (date_from.isoformat(), earliest.isoformat(), date_to.isoformat())
    (count,) = _rows(f"SELECT COUNT(*) FROM tracker_event WHERE {where}", params)[0]
    events = _rows(
        "SELECT e.id, e.slug, e.title, e.summary, e.date, e.date_start, e.date_end, "
        "e.date_precision, e.location, pl.slug, pl.name, pl.latitude, pl.longitude, "
        "pl.wikidata, pl.geonames "
        f"FROM tracker_event e LEFT JOIN tracker_place pl ON pl.id = e.place_id WHERE {where} "
        "ORDER BY date_start, date_precision, date_end, title, e.id LIMIT %s OFFSET %s",
        (*params, page_size, (page - 1) * page_size),
    )
    ids = [row[0] for row in events]
    participants, tags, claims = defaultdict(list), defaultdict(list), defaultdict(list)
    attested, sources = defaultdict(bool), defaultdict(dict)  # per event, from its claims
    claim_events, relations_out, relations_in = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    if ids:
        where, where_params = _among("ea.event_id", ids)
        for event_id, pk, slug, name, kind, role in _rows(
            "SELECT ea.event_id, a.id, a.slug, a.name, a.kind, ea.role "
            "FROM tracker_eventactor ea JOIN tracker_actor a ON a.id = ea.actor_id "
            f"WHERE {where} ORDER BY ea.id",
            where_params,
        ):
            participants[event_id].append(
                {"id": pk, "slug": slug, "name": name, "kind": kind, "role": role}
            )
        where, where_params = _among("et.event_id", ids)
        for event_id, slug in _rows(
            "SELECT et.event_id, t.slug FROM tracker_event_tags et "
            f"JOIN tracker_tag t ON t.id = et.tag_id WHERE {where} "
            "ORDER BY t.slug",
            where_params,
        ):
            tags[event_id].append(slug)
        where, where_params = _among("ce.event_id", ids)
        claim_rows = _rows(
            "SELECT ce.event_id, c.id, c.slug, c.text, c.quote, c.quote_start, c.quote_end, "
            "c.stated, c.stated_start, c.stated_end, c.stated_precision, c.status, "
            "a.id, a.slug, a.name, a.kind, s.id, s.slug, s.title, p.name, s.published, s.url, "
            "c.kind, c.notes "
            "FROM tracker_claim_events ce JOIN tracker_claim c ON c.id = ce.claim_id "
            "JOIN tracker_actor a ON a.id = c.claimant_id "
            "JOIN tracker_source s ON s.id = c.source_id "
            "LEFT JOIN tracker_actor p ON p.id = s.publisher_id "
            f"WHERE {where} ORDER BY c.stated_start, c.id",
            where_params,
        )
        claim_ids = list({row[1] for row in claim_rows})
        if claim_ids:
            where, where_params = _among("ce.claim_id", claim_ids)
            for claim_id, slug in _rows(
                "SELECT ce.claim_id, e.slug FROM tracker_claim_events ce "
                f"JOIN tracker_event e ON e.id = ce.event_id WHERE {where} "
                "ORDER BY e.date_start, e.date_end, e.title",
                where_params,
            ):
                claim_events[claim_id].append(slug)
            # Each direction through its own index (an OR of the two scans the table).
            outgoing, out_params = _among("from_claim_id", claim_ids)
            incoming, in_params = _among("to_claim_id", claim_ids)
            for _, from_id, to_id, kind in _rows(
                "SELECT id, from_claim_id, to_claim_id, type FROM tracker_claimrelation "
                f"WHERE {outgoing} UNION SELECT id, from_claim_id, to_claim_id, type "
                f"FROM tracker_claimrelation WHERE {incoming} ORDER BY 1",
                out_params + in_params,
            ):
                relations_out[from_id].append(
                    {"type": kind, "claim": to_id, "direction": "outgoing"}
                )
                relations_in[to_id].append(
                    {"type": kind, "claim": from_id, "direction": "incoming"}
                )
        for row in claim_rows:
            (event_id, pk, slug, text, quote, q_start, q_end, stated, s_start, s_end, s_prec,
             status, a_id, a_slug, a_name, a_kind, s_id, s_slug, s_title, publisher,
             published, url, kind, notes) = row  # fmt: skip
            attested[event_id] = attested[event_id] or bool(quote)
            source = sources[event_id].setdefault(s_id, {
                "id": s_id, "slug": s_slug, "title": s_title, "publisher": publisher,
                "published": published, "url": url or None, "claims": 0,
            })  # fmt: skip
            source["claims"] += 1
            claims[event_id].append(
                {
                    "id": pk, "url": f"{base_url}claims/{pk}/", "slug": slug, "kind": kind,
                    "text": text,
                    "quote": quote, "quote_start": q_start, "quote_end": q_end,
                    "claimant": {"id": a_id, "slug": a_slug, "name": a_name, "kind": a_kind},
                    "source": {"id": s_id, "slug": s_slug, "title": s_title,
                               "publisher": publisher, "published": published, "url": url or None},
                    "stated": stated, "stated_start": _day(s_start), "stated_end": _day(s_end),
                    "stated_precision": s_prec, "status": status, "notes": notes,
                    "events": claim_events[pk],
                    "relations": relations_out[pk] + relations_in[pk],
                }
            )  # fmt: skip
    results = [
        {
            "id": pk, "url": f"{base_url}events/{pk}/", "slug": slug, "title": title,
            "summary": summary, "date": date, "date_start": _day(start), "date_end": _day(end),
            "date_precision": precision, "location": location,
            "place": None if place_slug is None else {
                "slug": place_slug, "name": place_name, "latitude": latitude,
                "longitude": longitude, "wikidata": wikidata or None, "geonames": geonames,
            },
            "actors": participants[pk], "tags": tags[pk], "attested": attested[pk],
            "sources": sorted(sources[pk].values(), key=lambda s: (s["published"], s["slug"])),
            "claims": claims[pk],
        }
        for (pk, slug, title, summary, date, start, end, precision, location, place_slug,
             place_name, latitude, longitude, wikidata, geonames) in events
    ]  # fmt: skip

    def link(number):
        return f"{base_url}events/?{urlencode(sorted({**query, 'page': number}.items()))}"

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
