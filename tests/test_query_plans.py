"""PostgreSQL uses the indexes the hot requests are designed around (read from EXPLAIN).

The test tables are small, so sequential scans are switched off for the EXPLAIN: a plan then
shows an index exactly when the query can use one. Skipped on SQLite.
"""

import pytest
from django.db import connection

from tracker.api.filters import ClaimFilter, EventFilter
from tracker.selectors import querysets

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]


def plan(queryset, *, bitmaps_only=False) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmaps_only:  # a GIN index is only ever read through a bitmap
            cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


def events_page(**params):
    return EventFilter(data=params, queryset=querysets.event_list_queryset()).qs[:50]


def test_the_events_window_range_scans_the_date_index_from_both_sides():
    found = plan(events_page(date_from="2022-01-01", date_to="2022-12-31"))
    assert "event_date_window" in found
    # Bounded below by date_from minus the longest span, above by date_to: a range, not a scan
    # from the first event.
    index_condition = next(line for line in found.splitlines() if "Index Cond" in line)
    assert "date_start >=" in index_condition and "date_start <=" in index_condition
    assert "Seq Scan on tracker_event" not in found


def test_the_longest_span_is_read_from_its_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute('EXPLAIN SELECT MAX("date_span") FROM "tracker_event"')
        found = "\n".join(row[0] for row in cursor.fetchall())
    assert "event_date_span" in found


@pytest.mark.parametrize(
    ("filterset", "params", "index"),
    [
        (EventFilter, {"q": "vladivostok summit"}, "event_search"),
        (ClaimFilter, {"q": "sanctions"}, "claim_search"),
    ],
)
def test_q_uses_the_full_text_index(filterset, params, index):
    model_queryset = (
        querysets.event_list_queryset()
        if filterset is EventFilter
        else querysets.claim_list_queryset()
    )
    matches = filterset(data=params, queryset=model_queryset).qs.order_by()
    assert f"Bitmap Index Scan on {index}" in plan(matches, bitmaps_only=True)


def test_the_search_columns_are_those_of_the_migration():
    from importlib import import_module

    from tracker import search

    migration = import_module("tracker.migrations.0005_event_date_span_search")
    assert [
        statement
        for model_name in search.DOCUMENTS
        for statement in search.schema_sql(model_name)[0]
    ] == migration.SEARCH_COLUMNS
