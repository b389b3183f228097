"""GET /api/v1/sources/: captured documents, their text and where each quote stands in it."""

import pytest

from tracker.models import Event, Source

pytestmark = pytest.mark.django_db


def test_lists_leave_the_text_out(api):
    body = api.get("/api/v1/sources/").json()
    assert body["count"] == 5
    assert all("text" not in source for source in body["results"])
    assert [s["slug"] for s in body["results"]] == [
        "tass-2017-02-03-timonin-seoul",
        "russia-doubled-trade-2017",
        "tass-2020-02-07-matsegora-interview",
        "joongang-2022-02-strategic-cooperation",
        "joongang-2022-07-sanctions-donetsk",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "publisher=tass",
            ["tass-2017-02-03-timonin-seoul", "tass-2020-02-07-matsegora-interview"],
        ),
        ("q=Donetsk", ["joongang-2022-07-sanctions-donetsk"]),
        (
            "q=michael lee",
            ["joongang-2022-02-strategic-cooperation", "joongang-2022-07-sanctions-donetsk"],
        ),
        (
            "ordering=-published&publisher=korea-joongang-daily",
            ["joongang-2022-07-sanctions-donetsk", "joongang-2022-02-strategic-cooperation"],
        ),
    ],
)
def test_filters_on_the_seed_record(api, query, expected):
    body = api.get(f"/api/v1/sources/?{query}").json()
    assert [s["slug"] for s in body["results"]] == expected


def test_a_source_with_an_inferred_date(api):
    source = Source.objects.get(slug="tass-2017-02-03-timonin-seoul")
    body = api.get(f"/api/v1/sources/{source.pk}/").json()
    assert body["published"] == "2017-02-03"
    assert body["publisher"]["slug"] == "tass"
    assert "Friday" in body["notes"]


def test_a_page_date_that_disagrees_with_the_content_keeps_the_content(api):
    source = Source.objects.get(slug="russia-doubled-trade-2017")
    body = api.get(f"/api/v1/sources/{source.pk}/").json()
    assert (body["published"], body["published_start"], body["published_end"]) == (
        "2017-10/2017-12", "2017-10-01", "2017-12-31",
    )  # fmt: skip
    assert body["publisher"] is None
    assert "2018" in body["notes"]


def test_a_source_detail_has_its_text_and_every_quote_offset(api):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    body = api.get(f"/api/v1/sources/{source.pk}/").json()
    assert body["text"] == source.text
    assert body["text"].startswith(" date 2020-02-07 MOSCOW, February 7. /TASS/.")
    assert len(body["claims"]) == source.claims.count()
    offsets = [(claim["quote_start"], claim["quote_end"]) for claim in body["claims"]]
    assert offsets == sorted(offsets)
    for claim in body["claims"]:
        assert body["text"][claim["quote_start"] : claim["quote_end"]] == claim["quote"]
        assert set(claim) == {"id", "url", "slug", "kind", "text", "quote", "quote_start",
                              "quote_end", "claimant", "stated", "status", "notes", "state",
                              "state_rationale", "events"}  # fmt: skip
    assert body["claims_url"].endswith("/api/v1/claims/?source=tass-2020-02-07-matsegora-interview")
    # Its events are those of its claims, each once, in the events' order.
    events = Event.objects.filter(claims__source=source).distinct()
    assert [e["slug"] for e in body["events"]] == list(
        events.order_by("date_start", "date_end", "title").values_list("slug", flat=True)
    )
