"""GET /api/v1/stats/*: aggregates checked against the seed record, their query counts pinned.

The expected numbers are written out for the top rows, and every row is checked against counts
made independently from fixtures/record.json itself (plain Python, no database).
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db

RECORD = json.loads((Path(__file__).parents[2] / "fixtures" / "record.json").read_text())


def records(model):
    return [item["fields"] for item in RECORD if item["model"] == f"tracker.{model}"]


def get(api, url):
    response = api.get(url)
    assert response.status_code == 200, response.json()
    return response.json()


# ---------------------------------------------------------------------------------- actors


def test_actors_are_ranked_by_events_plus_claims(api):
    assert get(api, "/api/v1/stats/actors/?limit=5") == [
        {"actor": "michael-lee", "name": "Michael Lee", "kind": "person", "events": 0,
         "claims": 43},
        {"actor": "alexander-matsegora", "name": "Alexander Matsegora", "kind": "person",
         "events": 5, "claims": 26},
        {"actor": "north-korea", "name": "North Korea", "kind": "state", "events": 19,
         "claims": 0},
        {"actor": "alexander-timonin", "name": "Alexander Timonin", "kind": "person",
         "events": 1, "claims": 14},
        {"actor": "reuters", "name": "Reuters", "kind": "media", "events": 0, "claims": 13},
    ]  # fmt: skip


def test_actor_counts_match_the_record_file(api):
    events = {(p["actor"][0], p["event"][0]) for p in records("eventactor")}  # distinct pairs
    event_counts = Counter(actor for actor, _ in events)
    claim_counts = Counter(claim["claimant"][0] for claim in records("claim"))
    kinds = {actor["slug"]: actor["kind"] for actor in records("actor")}
    names = {actor["slug"]: actor["name"] for actor in records("actor")}
    active = set(event_counts) | set(claim_counts)
    expected = sorted(
        (
            {"actor": slug, "name": names[slug], "kind": kinds[slug],
             "events": event_counts[slug], "claims": claim_counts[slug]}
            for slug in active
        ),
        key=lambda row: (-(row["events"] + row["claims"]), -row["events"], -row["claims"],
                         row["name"]),
    )  # fmt: skip
    assert get(api, "/api/v1/stats/actors/?limit=1000") == expected
    assert len(expected) < len(kinds)  # actors with neither events nor claims are left out


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rank=claims&limit=4", ["michael-lee", "alexander-matsegora", "alexander-timonin",
                                 "reuters"]),
        ("rank=events&limit=3", ["north-korea", "russia", "alexander-matsegora"]),
        ("kind=media&limit=3", ["reuters", "tass", "izvestia"]),
        ("kind=state&rank=claims&limit=1", ["united-states"]),
        ("limit=1", ["michael-lee"]),
    ],
)  # fmt: skip
def test_actor_ranking_parameters(api, query, expected):
    assert [row["actor"] for row in get(api, f"/api/v1/stats/actors/?{query}")] == expected


def test_actor_limit_defaults_to_20_and_is_capped_quietly(api, settings):
    assert len(get(api, "/api/v1/stats/actors/")) == 20
    settings.STATS_MAX_LIMIT = 3
    assert len(get(api, "/api/v1/stats/actors/?limit=500")) == 3


# --------------------------------------------------------------------------------- sources


def test_claims_per_source(api):
    assert get(api, "/api/v1/stats/sources/") == [
        {"source": "joongang-2022-07-sanctions-donetsk",
         "title": "Sanctions and Donetsk bring Moscow, Pyongyang together",
         "publisher": "Korea JoongAng Daily", "published": "2022-07", "claims": 36},
        {"source": "joongang-2022-02-strategic-cooperation",
         "title": "North agrees to increase 'strategic cooperation' with Russia",
         "publisher": "Korea JoongAng Daily", "published": "2022-02", "claims": 33},
        {"source": "russia-doubled-trade-2017",
         "title": "Russia doubled its trade with North Korea despite sanctions",
         "publisher": None, "published": "2017-10/2017-12", "claims": 30},
        {"source": "tass-2017-02-03-timonin-seoul",
         "title": "Russia’s economic cooperation with North Korea slows down over UN sanctions",
         "publisher": "TASS", "published": "2017-02-03", "claims": 22},
        {"source": "tass-2020-02-07-matsegora-interview",
         "title": "Russia is second to China in economic cooperation with North Korea, "
                  "ambassador says",
         "publisher": "TASS", "published": "2020-02-07", "claims": 19},
    ]  # fmt: skip


def test_claims_per_publisher(api):
    assert get(api, "/api/v1/stats/sources/?by=publisher") == [
        {"publisher": "korea-joongang-daily", "name": "Korea JoongAng Daily", "sources": 2,
         "claims": 69},
        {"publisher": "tass", "name": "TASS", "sources": 2, "claims": 41},
        {"publisher": None, "name": None, "sources": 1, "claims": 30},
    ]  # fmt: skip


def test_source_counts_match_the_record_file(api):
    per_source = Counter(claim["source"][0] for claim in records("claim"))
    rows = get(api, "/api/v1/stats/sources/")
    assert {row["source"]: row["claims"] for row in rows} == dict(per_source)
    assert sum(row["claims"] for row in get(api, "/api/v1/stats/sources/?by=publisher")) == len(
        records("claim")
    )


def test_sources_without_claims_count_zero(api):
    SourceFactory(slug="empty-source", published="1900")
    rows = get(api, "/api/v1/stats/sources/?limit=1000")
    assert rows[-1]["source"] == "empty-source" and rows[-1]["claims"] == 0


# ---------------------------------------------------------------------------------- claims


def test_claims_by_status_lists_every_status(api):
    assert get(api, "/api/v1/stats/claims/?by=status") == [
        {"status": "unverified", "claims": 132},
        {"status": "corroborated", "claims": 0},
        {"status": "disputed", "claims": 6},
        {"status": "refuted", "claims": 2},
    ]


def test_claims_by_year_with_a_column_per_status(api):
    zero = {"corroborated": 0}
    none = {"unverified": 0, "disputed": 0, "refuted": 0, **zero}
    assert get(api, "/api/v1/stats/claims/") == [
        {"period": "2017", "claims": 52, "unverified": 50, "disputed": 2, "refuted": 0, **zero},
        {"period": "2018", "claims": 0, **none},
        {"period": "2019", "claims": 0, **none},
        {"period": "2020", "claims": 19, "unverified": 19, "disputed": 0, "refuted": 0, **zero},
        {"period": "2021", "claims": 0, **none},
        {"period": "2022", "claims": 69, "unverified": 63, "disputed": 4, "refuted": 2, **zero},
    ]


def test_claims_by_month_take_the_claim_filters(api):
    rows = get(api, "/api/v1/stats/claims/?by=month&stated_from=2022")
    assert [(row["period"], row["claims"]) for row in rows] == [
        ("2022-02", 33), ("2022-03", 0), ("2022-04", 0), ("2022-05", 0), ("2022-06", 0),
        ("2022-07", 36),
    ]  # fmt: skip
    rows = get(api, "/api/v1/stats/claims/?by=status&claimant=alexander-timonin")
    assert rows[0] == {"status": "unverified", "claims": 14}
    assert get(api, "/api/v1/stats/claims/?q=no-such-words-anywhere") == []


def test_claim_periods_match_the_record_file(api):
    years = Counter(claim["stated"][:4] for claim in records("claim"))
    rows = get(api, "/api/v1/stats/claims/?by=year")
    assert {row["period"]: row["claims"] for row in rows if row["claims"]} == dict(years)


# -------------------------------------------------------------------------------- timeline


def test_per_year_covers_every_year_from_first_to_last(api):
    body = api.get("/api/v1/stats/timeline/").json()
    assert [row["period"] for row in body] == [str(year) for year in range(1990, 2023)]
    by_year = {row["period"]: (row["events"], row["claims"]) for row in body}
    assert by_year["2019"] == (2, 3)
    assert by_year["2018"] == (0, 0)
    assert by_year["2022"] == (14, 64)
    assert sum(row["events"] for row in body) == 35


def test_per_month_with_event_filters(api):
    body = api.get("/api/v1/stats/timeline/?bucket=month&date_from=2022").json()
    assert body == [
        {"period": "2022-02", "events": 8, "claims": 35},
        {"period": "2022-03", "events": 0, "claims": 0},
        {"period": "2022-04", "events": 0, "claims": 0},
        {"period": "2022-05", "events": 0, "claims": 0},
        {"period": "2022-06", "events": 0, "claims": 0},
        {"period": "2022-07", "events": 6, "claims": 29},
    ]


def test_an_actor_filter_and_an_empty_result(api):
    body = api.get("/api/v1/stats/timeline/?actor=denis-pushilin&bucket=month").json()
    assert body == [{"period": "2022-07", "events": 1, "claims": 5}]
    assert api.get("/api/v1/stats/timeline/?date_from=1800&date_to=1801").json() == []


# -------------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        ("/api/v1/stats/actors/?kind=alien", "kind",
         "Select a valid choice. alien is not one of the available choices."),
        ("/api/v1/stats/actors/?rank=fame", "rank",
         "Select a valid choice. fame is not one of the available choices."),
        ("/api/v1/stats/actors/?limit=0", "limit",
         "Ensure this value is greater than or equal to 1."),
        ("/api/v1/stats/actors/?limit=ten", "limit", "Enter a whole number."),
        ("/api/v1/stats/sources/?by=author", "by",
         "Select a valid choice. author is not one of the available choices."),
        ("/api/v1/stats/sources/?limit=-1", "limit",
         "Ensure this value is greater than or equal to 1."),
        ("/api/v1/stats/claims/?by=week", "by",
         "Select a valid choice. week is not one of the available choices."),
        ("/api/v1/stats/claims/?claimant=nobody", "claimant", "No actor has the slug 'nobody'."),
        ("/api/v1/stats/claims/?stated_to=2022-13", "stated_to",
         "'2022-13' is not a real date (month must be in 1..12)."),
        ("/api/v1/stats/claims/?by=week&format=csv", "by",
         "Select a valid choice. week is not one of the available choices."),
    ],
)  # fmt: skip
def test_bad_parameters_are_a_400_naming_them(api, url, parameter, message):
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 400, "code": "invalid", "detail": "Invalid input.",
        "errors": {parameter: [message]},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("url", "same_as"),
    [
        ("/api/v1/stats/timeline/?bucket=", "/api/v1/stats/timeline/?bucket=year"),
        ("/api/v1/stats/actors/?kind=&rank=&limit=", "/api/v1/stats/actors/?rank=total&limit=20"),
        ("/api/v1/stats/sources/?by=&limit=", "/api/v1/stats/sources/?by=source&limit=20"),
        ("/api/v1/stats/claims/?by=", "/api/v1/stats/claims/?by=year"),
    ],
)
def test_an_empty_parameter_takes_its_default(api, url, same_as):
    assert get(api, url) == get(api, same_as)


# --------------------------------------------------------------------------- query counts


@pytest.fixture
def more_records():
    """Synthetic rows on top of the seed record: the counts below must not grow with them."""
    actors = ActorFactory.create_batch(6)
    sources = SourceFactory.create_batch(3)
    for n in range(12):
        event = EventFactory(date=f"1951-{n % 12 + 1:02d}", actors=actors[: n % 4 + 1])
        ClaimFactory.create_batch(
            2, source=sources[n % 3], claimant=actors[n % 6], events=[event], stated="1951"
        )


# One query for the record version (HTTP caching), then the aggregate(s), plus one per slug
# filter to resolve it.
STATS = [
    ("/api/v1/stats/actors/?limit=1000", 1),
    ("/api/v1/stats/actors/?kind=person&rank=claims", 1),
    ("/api/v1/stats/sources/?limit=1000", 1),
    ("/api/v1/stats/sources/?by=publisher", 1),
    ("/api/v1/stats/claims/?by=status", 1),
    ("/api/v1/stats/claims/?by=month&claimant=alexander-matsegora", 2),
    ("/api/v1/stats/timeline/?bucket=month", 2),
]


@pytest.mark.parametrize(("url", "queries"), STATS)
@pytest.mark.parametrize("grown", [False, True])
def test_stats_cost_the_same_whatever_the_data_size(
    api, request, django_assert_num_queries, url, queries, grown
):
    if grown:
        request.getfixturevalue("more_records")
    with django_assert_num_queries(1 + queries):
        response = api.get(url)
    assert response.status_code == 200
