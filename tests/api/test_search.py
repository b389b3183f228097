"""`q` on PostgreSQL: prefixes expanded through the lexicon find exactly what PostgreSQL's own
prefix match finds, the lexicon keeps up with every write, and a searched list pages and counts
like any other (read in two steps: the page's ids with the count, then its rows)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from tests.factories import ActorFactory, EventFactory
from tracker import search
from tracker.models import Claim, Event, EventActor

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search and its lexicon"
)
VERSION_READ = 1


def searched(client, kind: str, q: str, **params) -> list[str]:
    """The slugs of every match, page after page (checking each page's count on the way)."""
    found, url, count = [], f"/api/v1/{kind}/", None
    params = {"q": q, "page_size": 200, **params}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert count in (None, body["count"])
        count = body["count"]
        found += [row["slug"] for row in body["results"]]
        url, params = body["next"], {}
    assert count == len(found)
    return found


def prefix_matches(model, prefix: str) -> set[str]:
    """What PostgreSQL's own prefix match finds, or a participant's or claimant's name."""
    in_document = RawSQL(
        "search_document @@ to_tsquery('simple', %s)", [f"{prefix}:*"], output_field=BooleanField()
    )
    if model is Event:
        named = Exists(
            EventActor.objects.filter(event=OuterRef("pk"), actor__name__icontains=prefix)
        )
    else:
        named = Q(claimant__name__icontains=prefix)
    return set(model.objects.filter(Q(in_document) | named).values_list("slug", flat=True))


@postgresql_only
@pytest.mark.parametrize(
    "prefix",
    # Short prefixes begin more words than the lexicon expands (they stay prefixes); longer ones
    # begin a few words (expanded) or none; "kim" also names actors; digits are words too; the
    # parser splits a word at "_", whose parts must then stand next to each other.
    [
        "s",
        "p",
        "ru",
        "sum",
        "sanct",
        "vladivostok",
        "kim",
        "jong",
        "2019",
        "donbas",
        "xyzzy",
        "north_korea",
        "nor_kor",
        "korea_north",
        "kim_jong_un",
    ],
)
def test_an_expanded_prefix_finds_what_the_prefix_match_finds(api, prefix):
    found_any = False
    for kind, model in (("events", Event), ("claims", Claim)):
        expected = prefix_matches(model, prefix)
        assert set(searched(api, kind, prefix)) == expected
        found_any |= bool(expected)
    # "Kim Jong-un" is indexed as kim, jong-un, jong, un: "jong" is not next to "kim".
    assert found_any is (prefix not in {"xyzzy", "korea_north", "kim_jong_un"})


@postgresql_only
def test_a_prefix_of_many_words_stays_a_prefix_and_of_a_few_is_their_alternation(api):
    words = [f"qzx{n:03d}" for n in range(search.EXPANSION_LIMIT + 1)]
    EventFactory(slug="e-many", title="Many words", summary=" ".join(words), date="1902")
    for q, expanded in [("qzx", False), ("qzx00", True), ("qzx064", True)]:
        with CaptureQueriesContext(connection) as queries:
            assert searched(api, "events", q) == ["e-many"]
        sql = "\n".join(query["sql"] for query in queries.captured_queries)
        # The tsquery text stands in the SQL as a literal, its quotes doubled.
        assert ("''qzx'':*" in sql) is not expanded
        assert ("''qzx000'' | ''qzx001''" in sql) is (q == "qzx00")


def lexicon() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word FROM {search.LEXICON}")
        return {word for (word,) in cursor.fetchall()}


def indexed_words() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unnest(tsvector_to_array(search_document)) FROM tracker_event "
            "UNION SELECT unnest(tsvector_to_array(search_document)) FROM tracker_claim"
        )
        return {word for (word,) in cursor.fetchall()}


@postgresql_only
def test_the_lexicon_holds_every_indexed_word_after_bulk_inserts():
    call_command("generate_data", events=40, claims_per_event=3, seed=5, batch_size=9, verbosity=0)
    assert indexed_words() <= lexicon()
    assert "vladivostok" in lexicon()  # and the seed record's


@postgresql_only
def test_writes_add_their_words_to_the_lexicon(curator_api):
    from tests.api.test_writes import detail, write

    response = write(
        curator_api, "post", "/api/v1/events/", {"title": "Zanzibarian accord", "date": "2023-09"}
    )
    assert response.status_code == 201
    event = response.json()
    assert searched(curator_api, "events", "zanzibari") == [event["slug"]]

    etag = detail(curator_api, "events", event["id"])["ETag"]
    body = {"title": "Quixotical accord"}
    response = write(curator_api, "patch", f"/api/v1/events/{event['id']}/", body, etag)
    assert response.status_code == 200
    assert searched(curator_api, "events", "quixot") == [event["slug"]]
    assert searched(curator_api, "events", "zanzibari") == []  # the word stays, matching nothing

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    etag = detail(curator_api, "claims", claim.pk)["ETag"]
    body = {"text": "Trade sits at its perihelion-low levels."}
    response = write(curator_api, "patch", f"/api/v1/claims/{claim.pk}/", body, etag)
    assert response.status_code == 200
    assert searched(curator_api, "claims", "periheli") == [claim.slug]
    assert indexed_words() <= lexicon()


@postgresql_only
def test_the_lexicon_statements_are_those_of_the_migration():
    from importlib import import_module

    migration = import_module("tracker.migrations.0006_search_lexicon")
    assert search.lexicon_sql() == (migration.FORWARD, migration.BACKWARD)


@pytest.fixture
def talks():
    """Seven events about talks, in date order, and an actor whose name holds "talk"."""
    for n in range(7):
        EventFactory(slug=f"e-talk-{n}", title=f"Talks round {n}", date=f"1902-0{n + 1}")
    EventFactory(slug="e-speech", title="Speech", date="1902", actors=[ActorFactory(name="Talkie")])


def test_a_searched_list_pages_like_any_list(api, talks):
    everything = searched(api, "events", "talks round")
    assert everything == [f"e-talk-{n}" for n in range(7)]
    assert searched(api, "events", "talks round", page_size=2) == everything
    page = api.get("/api/v1/events/", {"q": "talks round", "page_size": 2, "page": 4}).json()
    assert (page["count"], [row["slug"] for row in page["results"]]) == (7, ["e-talk-6"])
    past_the_end = api.get("/api/v1/events/", {"q": "talks round", "page_size": 2, "page": 5})
    assert past_the_end.status_code == 404
    assert past_the_end.json()["detail"] == "Invalid page."
    nothing = api.get("/api/v1/events/", {"q": "talks quagga"})
    assert nothing.status_code == 200
    assert nothing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    # A term that also names an actor matches the name as well as the words.
    assert set(searched(api, "events", "talk")) == {*everything, "e-speech"}


@pytest.mark.parametrize(
    ("path", "q", "matches", "counted_with_the_page"),
    [
        # Full text (PostgreSQL): every match is read to sort it, so the page's ids come with a
        # window count over them, and no COUNT(*) runs the search a second time.
        ("/api/v1/events/", "talks round", 7, connection.vendor == "postgresql"),
        ("/api/v1/events/", "", None, False),  # no search: a count, then a page
        ("/api/v1/actors/", "talkie", 1, False),  # actors: a substring search everywhere
    ],
)
def test_only_a_full_text_search_counts_its_matches_with_the_page(
    api, talks, path, q, matches, counted_with_the_page
):
    with CaptureQueriesContext(connection) as captured:
        body = api.get(path, {"q": q, "page_size": 2}).json()
    assert body["count"] == (Event.objects.count() if matches is None else matches)
    assert len(body["results"]) == min(body["count"], 2)
    windowed = [query["sql"] for query in captured if ") OVER ()" in query["sql"]]
    counts = [query["sql"] for query in captured if query["sql"].startswith("SELECT COUNT(*)")]
    assert (len(windowed), len(counts)) == ((1, 0) if counted_with_the_page else (0, 1))


@pytest.mark.parametrize(
    ("q", "page", "queries"),
    [
        # Full text: the terms' plan, the page's ids with the count, its rows; elsewhere a count
        # and a page. Then three embeds (participants, tags, claims: none, so nothing of theirs).
        ("talks round", 1, {"postgresql": 3 + 3, "sqlite": 2 + 3}),
        ("talks quagga", 1, {"postgresql": 2, "sqlite": 1}),  # no match: nothing more to read
        ("talks round", 9, {"postgresql": 3, "sqlite": 1}),  # past the end: counted, then a 404
    ],
)
def test_a_searched_page_costs_a_fixed_number_of_queries(
    api, talks, django_assert_num_queries, q, page, queries
):
    with django_assert_num_queries(queries[connection.vendor] + VERSION_READ):
        response = api.get("/api/v1/events/", {"q": q, "page": page})
    assert response.status_code == (200 if page == 1 else 404)


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63 // 50), "100"])
@pytest.mark.parametrize("kind", ["events", "claims"])
def test_a_searched_page_past_any_end_is_a_404(api, talks, kind, page):
    api.raise_request_exception = False  # a server error must show as a 500, not as a raise
    response = api.get(f"/api/v1/{kind}/", {"q": "talks", "page": page})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid page."
