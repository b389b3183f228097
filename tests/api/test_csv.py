"""CSV: every list and stats endpoint, same filters and order as JSON, nested fields flattened."""

import csv
import io

import pytest

from tests.factories import EventFactory
from tracker.api import exports
from tracker.models import Claim, Event

pytestmark = pytest.mark.django_db

HEADERS = {
    "events": [
        "id", "url", "slug", "title", "summary", "date", "date_start", "date_end",
        "date_precision", "location", "place.slug", "place.name", "place.latitude",
        "place.longitude", "place.wikidata", "place.geonames", "state", "state_rationale",
        "actors", "tags", "attested",
        "sources", "claims", "claim_ids",
    ],
    "claims": [
        "id", "url", "slug", "kind", "text", "quote", "quote_start", "quote_end",
        "claimant.id", "claimant.slug", "claimant.name", "claimant.kind",
        "source.id", "source.slug", "source.title", "source.publisher", "source.published",
        "source.url", "stated", "stated_start", "stated_end", "stated_precision", "status",
        "notes", "state", "state_rationale", "events", "relations",
    ],
    "actors": [
        "id", "url", "slug", "name", "kind", "title",
        "affiliation.id", "affiliation.slug", "affiliation.name", "affiliation.kind", "aliases",
        "wikidata", "state", "state_rationale",
    ],
    "sources": [
        "id", "url", "slug", "title", "publisher.id", "publisher.slug", "publisher.name",
        "publisher.kind", "author", "document_url", "published", "published_start",
        "published_end", "published_precision", "language", "notes", "retrieved",
        "archive_url", "text_sha256", "state", "state_rationale", "credits",
    ],
}  # fmt: skip


def body(response) -> str:
    assert response.status_code == 200, response.content[:500]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def table(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response), newline="")))


def json_results(api, url):
    return api.get(url, {"page_size": 200}).json()["results"]


@pytest.mark.parametrize("resource", list(HEADERS))
@pytest.mark.parametrize("how", ["query", "accept", "suffix"])
def test_every_list_is_a_streamed_csv_with_its_header(api, resource, how):
    if how == "query":
        response = api.get(f"/api/v1/{resource}/?format=csv")
    elif how == "accept":
        response = api.get(f"/api/v1/{resource}/", HTTP_ACCEPT="text/csv")
    else:
        response = api.get(f"/api/v1/{resource}.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{resource}.csv"'
    text = body(response)
    assert text.split("\r\n")[0] == ",".join(HEADERS[resource])
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    json_rows = json_results(api, f"/api/v1/{resource}/")
    assert [int(row["id"]) for row in rows] == [item["id"] for item in json_rows]
    assert [row["url"] for row in rows] == [item["url"] for item in json_rows]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?date_from=2022-07&date_to=2022-07",
        "/api/v1/events/?actor=alexander-matsegora&ordering=-date",
        "/api/v1/events/?tag=ukraine-war&ordering=title",
        "/api/v1/claims/?claimant=alexander-matsegora&ordering=-stated",
        "/api/v1/claims/?stated_from=2022&q=sanctions",
        "/api/v1/actors/?kind=state&ordering=-name",
        "/api/v1/sources/?publisher=tass",
    ],
)
def test_csv_has_the_filters_and_order_of_json(api, url):
    rows = table(api.get(url, {"format": "csv"}))
    assert [row["slug"] for row in rows] == [item["slug"] for item in json_results(api, url)]
    assert rows  # each of these filters selects something in the seed record


def test_csv_is_not_paginated(api):
    rows = table(api.get("/api/v1/claims/?format=csv&page_size=5&page=2"))
    assert len(rows) == Claim.objects.count() == 140


def test_an_event_row_flattens_actors_tags_and_claims(api):
    event = Event.objects.get(slug="ukraine-severs-relations-north-korea-2022")
    (row,) = table(
        api.get("/api/v1/events/?format=csv&precision=day&date_from=2022-07-13&date_to=2022-07-13")
    )
    item = api.get(f"/api/v1/events/{event.pk}/").json()
    assert row == {
        "id": str(event.pk),
        "url": f"http://testserver/api/v1/events/{event.pk}/",
        "slug": "ukraine-severs-relations-north-korea-2022",
        "title": "Ukraine severs relations with North Korea",
        "summary": item["summary"],
        "date": "2022-07-13", "date_start": "2022-07-13", "date_end": "2022-07-13",
        "date_precision": "day",
        "location": "",
        "place.slug": "", "place.name": "", "place.latitude": "", "place.longitude": "",
        "place.wikidata": "", "place.geonames": "",
        "state": "published", "state_rationale": "",
        "actors": "ukraine:participant;north-korea:target",
        "tags": "diplomacy;recognition;ukraine-war",
        "attested": "True",
        "sources": ";".join(source["slug"] for source in item["sources"]),
        "claims": str(len(item["claims"])),
        "claim_ids": ";".join(str(claim["id"]) for claim in item["claims"]),
    }  # fmt: skip
    assert row["actors"] == ";".join(f"{a['slug']}:{a['role']}" for a in item["actors"])
    assert row["tags"] == ";".join(item["tags"])


def test_a_claim_row_flattens_claimant_source_events_and_relations(api):
    claim = Claim.objects.get(slug="thomas-greenfield-border-closures-barrier-2022")
    item = api.get(f"/api/v1/claims/{claim.pk}/").json()
    rows = table(api.get("/api/v1/claims/?format=csv&claimant=linda-thomas-greenfield"))
    row = next(row for row in rows if row["slug"] == claim.slug)
    assert row == {
        "id": str(claim.pk),
        "url": item["url"],
        "slug": claim.slug,
        "kind": item["kind"],
        "text": item["text"],
        "quote": item["quote"],
        "quote_start": str(item["quote_start"]),
        "quote_end": str(item["quote_end"]),
        "claimant.id": str(item["claimant"]["id"]),
        "claimant.slug": "linda-thomas-greenfield",
        "claimant.name": "Linda Thomas-Greenfield",
        "claimant.kind": "person",
        "source.id": str(item["source"]["id"]),
        "source.slug": "joongang-2022-02-strategic-cooperation",
        "source.title": "North agrees to increase 'strategic cooperation' with Russia",
        "source.publisher": "Korea JoongAng Daily",
        "source.published": "2022-02",
        "source.url": "",
        "stated": "2022-02", "stated_start": "2022-02-01", "stated_end": "2022-02-28",
        "stated_precision": "month",
        "status": item["status"],
        "notes": item["notes"],
        "state": "published", "state_rationale": "",
        "events": ";".join(item["events"]),
        "relations": ";".join(
            f"{rel['type']}:{rel['direction']}:{rel['claim']}" for rel in item["relations"]
        ),
    }  # fmt: skip
    assert row["relations"]  # this claim is related to others in the seed record


def test_actor_and_source_rows_flatten_their_embedded_actor(api):
    actors = {row["slug"]: row for row in table(api.get("/api/v1/actors/?format=csv"))}
    chekunkov = actors["aleksey-chekunkov"]
    assert (chekunkov["affiliation.slug"], chekunkov["affiliation.kind"]) == (
        "russia-far-east-arctic-ministry", "organisation",
    )  # fmt: skip
    assert actors["ap"]["affiliation.id"] == "" and actors["ap"]["aliases"] == ""
    matsegora = api.get("/api/v1/actors/?q=matsegora").json()["results"][0]
    assert actors["alexander-matsegora"]["aliases"] == ";".join(matsegora["aliases"])
    sources = {row["slug"]: row for row in table(api.get("/api/v1/sources/?format=csv"))}
    assert sources["tass-2020-02-07-matsegora-interview"]["publisher.slug"] == "tass"
    assert sources["russia-doubled-trade-2017"]["publisher.id"] == ""


def test_text_with_commas_quotes_and_newlines_survives(api):
    EventFactory(date="1900", title='A "quoted", comma title', location="Line one\nLine two")
    (row,) = table(api.get("/api/v1/events/?format=csv&date_to=1900"))
    assert row["title"] == 'A "quoted", comma title'
    assert row["location"] == "Line one\nLine two"


def test_large_exports_are_fetched_in_chunks_in_order(api, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    total = Event.objects.count()
    chunks = -(-total // 10)
    response = api.get("/api/v1/events/?format=csv")
    # Nothing is fetched until the body is read: then the event query, and per chunk one query
    # for each list a row carries (participants, tags, claim ids, the claims' evidence).
    with django_assert_num_queries(1 + 4 * chunks):
        rows = table(response)
    assert len(rows) == total
    assert [row["slug"] for row in rows] == [
        e["slug"] for e in json_results(api, "/api/v1/events/")
    ]


@pytest.mark.parametrize(
    ("url", "header", "first"),
    [
        ("/api/v1/stats/timeline/?format=csv", "period,events,claims", "1990,1,4"),
        ("/api/v1/stats/actors/?format=csv&limit=1", "actor,name,kind,events,claims",
         "michael-lee,Michael Lee,person,0,43"),
        ("/api/v1/stats/sources/?format=csv&by=publisher", "publisher,name,sources,claims",
         "korea-joongang-daily,Korea JoongAng Daily,2,69"),
        ("/api/v1/stats/sources/?format=csv&limit=1", "source,title,publisher,published,claims",
         "joongang-2022-07-sanctions-donetsk,\"Sanctions and Donetsk bring Moscow, Pyongyang "
         "together\",Korea JoongAng Daily,2022-07,36"),
        ("/api/v1/stats/claims/?format=csv&by=status", "status,claims", "unverified,132"),
        ("/api/v1/stats/claims/?format=csv",
         "period,claims,unverified,corroborated,disputed,refuted", "2017,52,50,0,2,0"),
    ],
)  # fmt: skip
def test_stats_are_csv_too(api, url, header, first):
    response = api.get(url)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = body(response).split("\r\n")
    assert lines[:2] == [header, first]
    assert lines[-1] == ""  # every line ends with CRLF


def test_an_empty_stats_csv_still_names_its_columns(api):
    response = api.get("/api/v1/stats/claims/?q=no-such-words-anywhere", HTTP_ACCEPT="text/csv")
    assert body(response) == "period,claims,unverified,corroborated,disputed,refuted\r\n"


def test_errors_stay_json(api):
    response = api.get("/api/v1/events/?format=csv&date_from=2022-13")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {
        "date_from": ["'2022-13' is not a real date (month must be in 1..12)."]
    }


def test_details_are_json_only(api):
    event = Event.objects.first()
    response = api.get(f"/api/v1/events/{event.pk}/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
    # An unknown ?format= is bad input naming the parameter (tracker.api.negotiation).
    unknown = api.get(f"/api/v1/events/{event.pk}/?format=csv")
    assert (unknown.status_code, list(unknown.json()["errors"])) == (400, ["format"])


def test_json_stays_the_default(api):
    response = api.get("/api/v1/events/", HTTP_ACCEPT="*/*")
    assert response["Content-Type"] == "application/json"
    assert response.json()["count"] == 35


def test_head_of_an_export_reads_no_rows(api, django_assert_num_queries):
    with django_assert_num_queries(1):  # the record version, for the validators
        response = api.head("/api/v1/claims/?format=csv")
        assert b"".join(response.streaming_content) == b""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["ETag"] == api.get("/api/v1/claims/?format=csv")["ETag"]


def test_an_event_row_names_its_place(api):
    (row,) = table(api.get("/api/v1/events/?format=csv&precision=day&q=summit&date_from=2019"))
    assert row["slug"] == "vladivostok-summit-2019"
    assert {name: value for name, value in row.items() if name.startswith("place.")} == {
        "place.slug": "vladivostok", "place.name": "Vladivostok", "place.latitude": "43.1155",
        "place.longitude": "131.8855", "place.wikidata": "Q959", "place.geonames": "2013348",
    }  # fmt: skip


def test_an_actor_row_carries_its_wikidata_id(api):
    rows = table(api.get("/api/v1/actors/?format=csv&q=putin"))
    assert [(row["slug"], row["wikidata"]) for row in rows] == [("vladimir-putin", "Q7747")]
