"""`q`: on PostgreSQL, prefixes expanded through the lexicon find exactly what PostgreSQL's own
prefix match finds, and the lexicon keeps up with every write; on SQLite the FTS5 tables keep up
with every write; on both, a term finds the same records (every word of it begins a word, names
anywhere) and a searched list pages and counts like any other (read in two steps: the page's ids
with the count, then its rows)."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tracker import search, search_fts5
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


def renamed_event(curator_api) -> dict:
    """An event written through the API, found by its title's words, then renamed: found by
    the new title's words. Both search back ends must keep up with this."""
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
    return event


@postgresql_only
def test_writes_add_their_words_to_the_lexicon(curator_api):
    from tests.api.test_writes import detail, write

    renamed_event(curator_api)
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
        # Full text (both databases): every match is read to sort it, so the page's ids come
        # with a window count over them, and no COUNT(*) runs the search a second time.
        ("/api/v1/events/", "talks round", 7, True),
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
        # The terms' plan, the page's ids with the count, its rows, on both databases. Then
        # three embeds (participants, tags, claims: none, so nothing of theirs).
        ("talks round", 1, 3 + 3),
        ("talks quagga", 1, 2),  # no match: nothing more to read
        ("talks round", 9, 3),  # past the end: counted, then a 404
    ],
)
def test_a_searched_page_costs_a_fixed_number_of_queries(
    api, talks, django_assert_num_queries, q, page, queries
):
    with django_assert_num_queries(queries + VERSION_READ):
        response = api.get("/api/v1/events/", {"q": q, "page": page})
    assert response.status_code == (200 if page == 1 else 404)


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63 // 50), "100"])
@pytest.mark.parametrize("kind", ["events", "claims"])
def test_a_searched_page_past_any_end_is_a_404(api, talks, kind, page):
    api.raise_request_exception = False  # a server error must show as a 500, not as a raise
    response = api.get(f"/api/v1/{kind}/", {"q": "talks", "page": page})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid page."


@pytest.fixture
def counted_to_five(settings):
    """A search counts its matches up to five (SEARCH_COUNT_LIMIT, 10,000 by default)."""
    settings.SEARCH_COUNT_LIMIT = 5


FRESH = {"HTTP_CACHE_CONTROL": "no-cache"}  # computed, not the answer kept for this version


def searched_page(client, kind: str, **params) -> dict:
    response = client.get(f"/api/v1/{kind}/", params, **FRESH)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("ordering", [None, "-date", "title", "-title"])
def test_a_search_of_more_matches_than_it_counts_pages_its_first_ones_in_order(
    api, talks, settings, ordering
):
    params = {"q": "talks round"} | ({"ordering": ordering} if ordering else {})
    every = searched(api, "events", **params)  # counted whole: 7 of them
    settings.SEARCH_COUNT_LIMIT = 5
    pages = [searched_page(api, "events", **params, page_size=2, page=n) for n in (1, 2, 3)]
    # The count is the limit, said not to be exact, right after it; the pages reach that many,
    # in the list's order, read by walking it (the same records as sorting every match).
    assert [list(page)[:2] for page in pages] == [["count", "count_exact"]] * 3
    assert {(page["count"], page["count_exact"]) for page in pages} == {(5, False)}
    assert [row["slug"] for page in pages for row in page["results"]] == every[:5]
    assert pages[2]["next"] is None and pages[0]["next"].endswith(
        "page=2&page_size=2&q=talks+round"
    )
    past = api.get("/api/v1/events/", {**params, "page_size": 2, "page": 4}, **FRESH)
    assert (past.status_code, past.json()["detail"]) == (404, "Invalid page.")


def test_a_search_of_more_claims_than_it_counts_pages_them_newest_first(api, counted_to_five):
    source = SourceFactory(text="Sanctions talk. Sanctions again. More sanctions.")
    for n in range(8):
        ClaimFactory(
            slug=f"c-{n}", source=source, text=f"Sanctions, round {n}.", quote="",
            stated=f"2020-0{n % 4 + 1}-0{n % 3 + 1}",
        )  # fmt: skip
    ours = Claim.objects.filter(slug__startswith="c-")
    every = list(ours.order_by("-stated_start", "-id").values_list("slug", flat=True))
    body = searched_page(api, "claims", q="sanctions round", ordering="-stated", page_size=5)
    assert (body["count"], body["count_exact"], body["next"]) == (5, False, None)
    assert [row["slug"] for row in body["results"]] == every[:5]


def test_a_search_of_exactly_as_many_matches_as_it_counts_is_exact(api, talks, settings):
    settings.SEARCH_COUNT_LIMIT = 7
    body = searched_page(api, "events", q="talks round", page_size=5)
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 7


def test_a_walked_page_keeps_to_what_readers_may_read(api, talks, counted_to_five):
    # Drafts among the first matches by date: a reader's walked page passes over them.
    for n in range(3):
        EventFactory(slug=f"e-draft-{n}", title=f"Talks round {n}", date="1901", state="draft")
    body = searched_page(api, "events", q="talks round", page_size=5)
    assert (body["count"], body["count_exact"]) == (5, False)
    assert [row["slug"] for row in body["results"]] == [f"e-talk-{n}" for n in range(5)]


def test_a_walked_page_costs_a_fixed_number_of_queries(
    api, talks, counted_to_five, django_assert_num_queries
):
    # The plan, the sorted page with its count (more than five: so not this one), the page
    # walked in order, its rows, then three embeds.
    with django_assert_num_queries(4 + 3 + VERSION_READ):
        response = api.get("/api/v1/events/", {"q": "talks round", "page_size": 2}, **FRESH)
    assert response.json()["count_exact"] is False


def test_the_walked_page_reads_the_order_an_index_gives(api, talks, counted_to_five):
    with CaptureQueriesContext(connection) as captured:
        searched_page(api, "events", q="talks round", page_size=2)
    read = [
        q["sql"] for q in captured if q["sql"].startswith("SELECT") and "tracker_event" in q["sql"]
    ]
    sorted_page, walked = read[:2]
    # Sorted: every match read, sorted by an expression no index gives; walked: the order's
    # own columns, and on SQLite the matches tested row by row (the "+" keeps the rowid
    # lookups from driving the query).
    assert "OVER ()" in sorted_page and 'COALESCE("tracker_event"."date_start"' in sorted_page
    assert "COALESCE" not in walked and 'ORDER BY "tracker_event"."date_start" ASC' in walked
    if connection.vendor == "sqlite":
        assert '+"tracker_event"."id" IN (SELECT rowid FROM tracker_event_fts' in walked


# ------------------------------------------------------------ the same semantics on both databases


def _tokens(*texts: str) -> list[str]:
    """The words of a text as both databases' full-text search reads them (case folded, split at
    everything but letters and digits)."""
    return re.findall(r"[^\W_]+", " ".join(text or "" for text in texts).lower())


def _begins_a_word(tokens: list[str], parts: list[str]) -> bool:
    return any(
        all(i + k < len(tokens) and tokens[i + k].startswith(part) for k, part in enumerate(parts))
        for i in range(len(tokens))
    )


def expected_matches(model, term: str) -> set[str]:
    """What ``q=term`` must find, worked out in Python: every word of the term (each the phrase
    of its parts) begins a word of the searched fields, or the term stands in a name."""
    words = search.words(term.lower())
    found = set()
    if model is Event:
        for event in Event.objects.prefetch_related("participants"):
            tokens = _tokens(event.title, event.summary, event.location)
            names = [actor.name.lower() for actor in event.participants.all()]
            if all(_begins_a_word(tokens, parts) for parts in words) or any(
                term.lower() in name for name in names
            ):
                found.add(event.slug)
    else:
        for claim in Claim.objects.select_related("claimant"):
            tokens = _tokens(claim.text, claim.quote)
            if all(_begins_a_word(tokens, parts) for parts in words) or (
                term.lower() in claim.claimant.name.lower()
            ):
                found.add(claim.slug)
    return found


@pytest.mark.parametrize(
    "term",
    ["s", "p", "ru", "sum", "sanct", "vladivostok", "kim", "jong", "2019", "donbas", "xyzzy",
     "ostok", "Matsegora"],
)  # fmt: skip
def test_a_term_finds_the_records_a_word_of_which_it_begins_on_both_databases(api, term):
    for kind, model in (("events", Event), ("claims", Claim)):
        assert set(searched(api, kind, term)) == expected_matches(model, term), kind


def test_a_word_the_parser_splits_is_a_phrase_on_both_databases(api):
    for slug, title in [
        ("e-qv", "Quarn Velt talks"),
        ("e-qv-prefixes", "Quarnish Veltans meet"),
        ("e-vq", "Velt quarn of the river"),
        ("e-apart", "Quarn and South Velt"),
    ]:
        EventFactory(slug=slug, title=title, date="1902")
    assert searched(api, "events", "quarn_velt") == ["e-qv", "e-qv-prefixes"]
    assert searched(api, "events", "qua_vel talks") == ["e-qv"]
    assert searched(api, "events", "velt_quarn") == ["e-vq"]
    assert set(searched(api, "events", "quarn velt")) == {
        "e-qv",
        "e-qv-prefixes",
        "e-vq",
        "e-apart",
    }


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables")


def fts5_rows(model_name: str, query: str) -> set[int]:
    table = search_fts5.table(model_name)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [query])
        return {rowid for (rowid,) in cursor.fetchall()}


@sqlite_only
def test_the_fts5_tables_keep_up_with_every_write(curator_api):
    from tests.api.test_writes import detail, write

    event = renamed_event(curator_api)
    assert searched(curator_api, "events", "zanzibari") == []  # the old words are gone
    assert fts5_rows("event", '"zanzibari"*') == set()

    # Writes that bypass the ORM's save (a bulk update, raw SQL, a delete) too.
    Event.objects.filter(pk=event["id"]).update(location="Ultima Thule")
    assert searched(curator_api, "events", "thule quixot") == [event["slug"]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_event SET summary = 'Perihelion' WHERE id = %s", [event["id"]]
        )
    assert searched(curator_api, "events", "periheli") == [event["slug"]]
    Event.objects.filter(pk=event["id"]).delete()
    assert searched(curator_api, "events", "periheli") == []
    assert fts5_rows("event", '"periheli"*') == set()

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    etag = detail(curator_api, "claims", claim.pk)["ETag"]
    body = {"text": "Trade sits at its perihelion-low levels."}
    response = write(curator_api, "patch", f"/api/v1/claims/{claim.pk}/", body, etag)
    assert response.status_code == 200
    assert searched(curator_api, "claims", "periheli") == [claim.slug]


@sqlite_only
def test_the_fts5_index_matches_its_tables_after_bulk_inserts():
    call_command("generate_data", events=40, claims_per_event=3, seed=5, batch_size=9, verbosity=0)
    for model_name in search.DOCUMENTS:
        table = search_fts5.table(model_name)
        with connection.cursor() as cursor:
            # FTS5 checks its index against the external-content table's rows.
            cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    assert set(searched_any("claims", "vladivostok")) == expected_matches(Claim, "vladivostok")


def searched_any(kind: str, q: str) -> list[str]:
    from rest_framework.test import APIClient

    return searched(APIClient(), kind, q)


@sqlite_only
def test_the_fts5_statements_are_those_of_the_migration():
    from importlib import import_module

    migration = import_module("tracker.migrations.0010_search_fts5")
    for model_name, columns in search.DOCUMENTS.items():
        assert search_fts5.schema_sql(model_name, columns) == migration.STATEMENTS[model_name]


@sqlite_only
def test_the_fts5_vocabulary_statements_are_those_of_the_migration():
    from importlib import import_module

    migration = import_module("tracker.migrations.0015_search_words")
    for model_name in search.DOCUMENTS:
        assert search_fts5.vocabulary_sql(model_name) == migration.STATEMENTS[model_name]


@sqlite_only
def test_on_sqlite_a_prefix_of_a_few_words_is_their_alternation_and_of_many_a_prefix(api):
    words = [f"qzx{n:03d}" for n in range(search.EXPANSION_LIMIT + 1)]
    EventFactory(slug="e-many", title="Many words", summary=" ".join(words), date="1902")
    EventFactory(slug="e-phrase", title="Qzxa qzxb", date="1902")
    cases = [
        ("qzx", ['"qzx"*']),  # begins 65 words and more: a prefix
        ("qz", ['"qz"*']),  # too short to look up
        ("qzx00", ['("qzx000" OR "qzx001" OR']),  # ten words: their alternation
        ("QZX064", ['"qzx064"']),  # one word, folded as the tokenizer folds it
        ("qzxa_qzxb", ['"qzxa" + "qzxb"']),  # a phrase of parts each one word
        ("xyzzy", ['"xyzzy"*']),  # begins no word: a prefix, which matches nothing
    ]
    for q, shown in cases:
        with CaptureQueriesContext(connection) as queries:
            found = searched(api, "events", q)
        assert found == {"qzx": ["e-many", "e-phrase"], "qz": ["e-many", "e-phrase"],
                         "qzxa_qzxb": ["e-phrase"], "xyzzy": []}.get(q, ["e-many"]), q  # fmt: skip
        matched = next(
            query["sql"] for query in queries.captured_queries if " MATCH " in query["sql"]
        )
        assert all(text in matched for text in shown), (q, matched)


def test_a_search_condition_in_a_subquery_reads_the_subquerys_rows():
    # The condition names the row it stands in (relabelled with its query), never the outer one:
    # the claims of a claimant some claim of whom mentions trade, not those that mention it.
    (term,) = search.plan(["trade"], Claim)
    matches = search.document_matches(Claim, [term.query])
    claimants = set(Claim.objects.filter(matches).values_list("claimant", flat=True))
    theirs = set(Claim.objects.filter(claimant__in=claimants).values_list("slug", flat=True))
    same_claimant = Claim.objects.filter(claimant=OuterRef("claimant")).filter(matches)
    found = set(Claim.objects.filter(Exists(same_claimant)).values_list("slug", flat=True))
    assert found == theirs
    assert theirs != set(Claim.objects.filter(matches).values_list("slug", flat=True))
