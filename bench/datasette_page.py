"""Datasette beside the project in ``make bench``: the same events page, and an events search.

Datasette (``pip install -e '.[bench]'``) serves the benchmark's SQLite file with one canned
query, ``events_page``, which builds the page our API answers with SQLite's JSON functions: the
window's events in the contract's order, each with its participants, tags, sources, whether it
is attested and its claims, each claim with its claimant, source, events and relations, and the
window's count. The runner checks that it returns the same events, with the same claims, as
ours (``same_page``). The events search goes through Datasette's own table search over the
project's FTS5 table (``tracker_event_fts``, whose ``content=`` Datasette recognises), each term
a prefix as ours are (``_searchmode=raw``).
"""

from __future__ import annotations

import json
from pathlib import Path

# A reader's page: published and retracted records only (tracker.visibility).
WINDOW = (
    "date_end >= :date_from AND date_start >= :earliest AND date_start <= :date_to "
    "AND state IN ('published', 'retracted')"
)

EVENTS_PAGE_SQL = f"""
WITH page AS (
    SELECT id, slug, title, summary, date, date_start, date_end, date_precision, location,
        place_id
    FROM tracker_event WHERE {WINDOW}
    ORDER BY date_start, date_precision, date_end, title, id
    LIMIT 50
),
claims AS (
    SELECT ce.event_id, c.id, c.stated_start, s.id AS source_id, s.published, s.slug AS source_slug,
        c.quote,
        json_object(
            'id', c.id, 'slug', c.slug, 'kind', c.kind, 'text', c.text, 'quote', c.quote,
            'quote_start', c.quote_start, 'quote_end', c.quote_end,
            'claimant', json_object('id', a.id, 'slug', a.slug, 'name', a.name, 'kind', a.kind),
            'source', json_object('id', s.id, 'slug', s.slug, 'title', s.title,
                'publisher', p.name, 'published', s.published, 'url', nullif(s.url, '')),
            'stated', c.stated, 'stated_start', c.stated_start, 'stated_end', c.stated_end,
            'stated_precision', c.stated_precision, 'status', c.status, 'notes', c.notes,
            'events', (
                SELECT json_group_array(slug) FROM (
                    SELECT e.slug FROM tracker_claim_events x
                    JOIN tracker_event e ON e.id = x.event_id WHERE x.claim_id = c.id
                    ORDER BY e.date_start, e.date_end, e.title)
            ),
            'relations', (
                SELECT json_group_array(json(relation)) FROM (
                    SELECT json_object('type', type, 'claim', to_claim_id,
                        'direction', 'outgoing') AS relation, 0 AS side, id
                    FROM tracker_claimrelation WHERE from_claim_id = c.id
                    UNION ALL
                    SELECT json_object('type', type, 'claim', from_claim_id,
                        'direction', 'incoming'), 1, id
                    FROM tracker_claimrelation WHERE to_claim_id = c.id
                    ORDER BY side, id)
            )
        ) AS claim
    FROM tracker_claim_events ce
    JOIN tracker_claim c ON c.id = ce.claim_id
    JOIN tracker_actor a ON a.id = c.claimant_id
    JOIN tracker_source s ON s.id = c.source_id
    LEFT JOIN tracker_actor p ON p.id = s.publisher_id
    WHERE ce.event_id IN (SELECT id FROM page) AND c.state IN ('published', 'retracted')
)
SELECT json_object(
    'count', (SELECT count(*) FROM tracker_event WHERE {WINDOW}),
    'results', (SELECT json_group_array(json(event)) FROM (
        SELECT json_object(
            'id', page.id, 'slug', page.slug, 'title', page.title, 'summary', page.summary,
            'date', page.date, 'date_start', page.date_start, 'date_end', page.date_end,
            'date_precision', page.date_precision, 'location', page.location,
            'place', (
                SELECT json_object('slug', slug, 'name', name, 'latitude', latitude,
                    'longitude', longitude, 'wikidata', nullif(wikidata, ''), 'geonames', geonames)
                FROM tracker_place WHERE id = page.place_id
            ),
            'actors', (
                SELECT json_group_array(json(actor)) FROM (
                    SELECT json_object('id', a.id, 'slug', a.slug, 'name', a.name,
                        'kind', a.kind, 'role', ea.role) AS actor
                    FROM tracker_eventactor ea JOIN tracker_actor a ON a.id = ea.actor_id
                    WHERE ea.event_id = page.id ORDER BY ea.id)
            ),
            'tags', (
                SELECT json_group_array(slug) FROM (
                    SELECT t.slug FROM tracker_event_tags et JOIN tracker_tag t ON t.id = et.tag_id
                    WHERE et.event_id = page.id ORDER BY t.slug)
            ),
            'attested', json(CASE WHEN EXISTS (
                SELECT 1 FROM claims WHERE claims.event_id = page.id AND claims.quote != ''
            ) THEN 'true' ELSE 'false' END),
            'sources', (
                SELECT json_group_array(json(source)) FROM (
                    SELECT json_insert(json_extract(min(claim), '$.source'), '$.claims', count(*))
                        AS source
                    FROM claims WHERE claims.event_id = page.id
                    GROUP BY source_id ORDER BY published, source_slug)
            ),
            'claims', (
                SELECT json_group_array(json(claim)) FROM (
                    SELECT claim FROM claims WHERE claims.event_id = page.id
                    ORDER BY stated_start, id)
            )
        ) AS event
        FROM page ORDER BY date_start, date_precision, date_end, title, id
    ))
) AS page
"""


def metadata(database: str) -> dict:
    return {
        "databases": {database: {"queries": {"events_page": {"sql": EVENTS_PAGE_SQL}}}},
    }


def write_metadata(path: Path, database: str) -> Path:
    path.write_text(json.dumps(metadata(database), indent=2))
    return path


def page_from(body: bytes) -> dict:
    """The page out of Datasette's answer (``_shape=array``: one row, one JSON text)."""
    (row,) = json.loads(body)
    return json.loads(row["page"])


def same_page(ours: dict, theirs: dict) -> bool:
    """The same events, in the same order, with the same claims in the same order, and the
    same count."""

    def shape(page):
        return page["count"], [
            (event["id"], [claim["id"] for claim in event["claims"]]) for event in page["results"]
        ]

    return shape(ours) == shape(theirs)
