"""Query counts are designed, not discovered: pinned per endpoint, the same for 1 row or 200."""

import pytest

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tracker.models import ClaimRelation

pytestmark = pytest.mark.django_db

# Every cacheable read first reads the record version (its HTTP validators): one more query.
VERSION_READ = 1


@pytest.fixture
def many_records():
    """Enough rows that a query per row would show: 15 events, 30 claims, relations, tags."""
    source = SourceFactory()
    actors = ActorFactory.create_batch(5)
    claims = []
    for n in range(15):
        event = EventFactory(date=f"1950-{n % 12 + 1:02d}", tags=["t-a", "t-b"], actors=actors[:2])
        claims += ClaimFactory.create_batch(
            2, source=source, claimant=actors[n % 5], events=[event]
        )
    for first, second in zip(claims, claims[1:], strict=False):
        ClaimRelation.objects.create(from_claim=first, to_claim=second, type="supports")
    return {"source": source, "actor": actors[0], "event": event, "claim": claims[0]}


# (url, queries): a list's count, its page, then one query per prefetched relation. Events read
# their embeds in five queries (participants, tags, claims with claimant and source, the claims'
# events, relations both ways), claims their links in two (events, relations both ways); a
# date_from costs one indexed MAX(date_span), which bounds the window's index scan (once per
# record version: test_a_windows_longest_span_is_read_once_per_record_version), and each slug
# filter one lookup.
LISTS = [
    ("/api/v1/events/", 7),
    ("/api/v1/events/?actor={actor}&tag=t-a&date_from=1950&q=event", 10),
    ("/api/v1/claims/", 4),
    ("/api/v1/claims/?claimant={actor}&source={source}&status=unverified", 6),
    ("/api/v1/actors/", 2),
    ("/api/v1/sources/", 3),  # with the credited outlets, prefetched
]


@pytest.mark.parametrize(("url", "queries"), LISTS)
@pytest.mark.parametrize("page_size", [1, 200])
def test_list_query_counts(api, many_records, django_assert_num_queries, url, queries, page_size):
    url = url.format(actor=many_records["actor"].slug, source=many_records["source"].slug)
    if "q=" in url:
        # Full-text search plans its terms in one query (which name an actor and, on PostgreSQL,
        # which words each prefix begins), then reads the page's ids with the count, then its
        # rows.
        queries += 1
    with django_assert_num_queries(queries + VERSION_READ):
        response = api.get(f"{url}{'&' if '?' in url else '?'}page_size={page_size}")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(page_size, body["count"])


def test_a_windows_longest_span_is_read_once_per_record_version(
    api, many_records, django_assert_num_queries
):
    """The longest span bounds a window's index scan; an indexed MAX read once per record
    version: the same window again at the same version reads one query fewer, and a write that
    makes a longer span is seen by the very next request."""
    url = "/api/v1/events/?date_from=1950-06&date_to=1950-06&page_size=5"
    fresh = {"HTTP_CACHE_CONTROL": "no-cache"}  # computed, not the kept answer
    with django_assert_num_queries(7 + VERSION_READ + 1):  # the list, and the longest span
        first = api.get(url, **fresh).json()
    with django_assert_num_queries(7 + VERSION_READ):
        assert api.get(url, **fresh).json() == first
    # Begun long before the window and ending in it: only a longer bound finds it.
    EventFactory(date="1900/1950-06-15", slug="the-long-one")
    with django_assert_num_queries(7 + VERSION_READ + 1):
        again = api.get(url, **fresh).json()
    assert again["count"] == first["count"] + 1
    assert again["results"][0]["slug"] == "the-long-one"


def test_a_longest_span_is_kept_only_where_the_version_was_read(
    api, many_records, django_assert_num_queries, monkeypatch
):
    """With a replica the router may read the version on one database and the window on
    another (the replica back from being down, and lagging): the span is then read every time,
    never kept under the other database's version."""
    from tracker.selectors import version

    read = version.record_version
    monkeypatch.setattr(version, "record_version", lambda: read()._replace(read_from="other"))
    url = "/api/v1/events/?date_from=1950-06&date_to=1950-06&page_size=5"
    for _ in range(2):
        with django_assert_num_queries(7 + VERSION_READ + 1):
            assert api.get(url, HTTP_CACHE_CONTROL="no-cache").status_code == 200
    assert version._PER_VERSION == {}


@pytest.mark.parametrize(
    ("kind", "queries"), [("event", 6), ("claim", 3), ("actor", 1), ("source", 4)]
)
def test_detail_query_counts(api, many_records, django_assert_num_queries, kind, queries):
    with django_assert_num_queries(queries + VERSION_READ):
        response = api.get(f"/api/v1/{kind}s/{many_records[kind].pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["bucket=year", "bucket=month&actor={actor}"])
def test_stats_query_counts(api, many_records, django_assert_num_queries, query):
    # Two aggregate queries, plus one to resolve a slug filter.
    with django_assert_num_queries(2 + ("actor" in query) + VERSION_READ):
        response = api.get(
            f"/api/v1/stats/timeline/?{query.format(actor=many_records['actor'].slug)}"
        )
    assert response.status_code == 200
