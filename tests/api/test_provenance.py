"""Provenance in the API: claims' kind and notes, events' evidence (sources, attested), sources'
capture (retrieved, archive_url, text_sha256, credits), and their filters, CSV and stats."""

import csv
import hashlib
import io

import pytest

from tests.factories import ActorFactory, ClaimFactory, EventFactory, SourceFactory
from tracker.models import Claim, Event, Source

pytestmark = pytest.mark.django_db

TEXT = 'The agency reports: trade doubled. The envoy said: "Talks went well." Later: "No deal."'


@pytest.fixture
def record(db):
    """One event with a report and a statement from one source, and one from another source;
    one event with a paraphrase only (unattested); one with no claim at all."""
    wire = SourceFactory(
        slug="wire", title="Wire story", published="2021-03-04", text=TEXT,
        url="https://example.org/wire", retrieved="2021-03-05",
    )  # fmt: skip
    paper = SourceFactory(slug="paper", title="Paper story", published="2021-03-01", text=TEXT)
    envoy = ActorFactory(slug="envoy", name="The Envoy")
    event = EventFactory(slug="talks-2021", date="2021-03-02")
    bare = EventFactory(slug="bare-2021", date="2021-03-03")
    paraphrased = EventFactory(slug="paraphrased-2021", date="2021-03-04")
    report = ClaimFactory(
        slug="wire-trade-doubled", kind="report", claimant=wire.publisher, source=wire,
        quote="trade doubled", text="Trade doubled.", events=[event],
        notes="The agency's own figure.",
    )  # fmt: skip
    statement = ClaimFactory(
        slug="envoy-talks-went-well", claimant=envoy, source=wire, quote="Talks went well.",
        events=[event],
    )  # fmt: skip
    earlier = ClaimFactory(
        slug="envoy-no-deal", claimant=envoy, source=paper, quote="No deal.", events=[event]
    )
    ClaimFactory(slug="paraphrase", claimant=envoy, source=paper, quote="", events=[paraphrased])
    return {
        "wire": wire, "paper": paper, "event": event, "bare": bare, "paraphrased": paraphrased,
        "report": report, "statement": statement, "earlier": earlier,
    }  # fmt: skip


def brief(source: Source, claims: int) -> dict:
    return {
        "id": source.pk, "slug": source.slug, "title": source.title,
        "publisher": source.publisher.name, "published": source.published,
        "url": source.url or None, "claims": claims,
    }  # fmt: skip


def test_an_event_shows_its_sources_and_whether_it_is_attested(api, record):
    body = api.get(f"/api/v1/events/{record['event'].pk}/").json()
    assert body["attested"] is True
    # Ordered by publication: the paper (1 March) before the wire (4 March).
    assert body["sources"] == [brief(record["paper"], 1), brief(record["wire"], 2)]
    assert [claim["kind"] for claim in body["claims"]] == ["report", "statement", "statement"]
    for name in ("bare", "paraphrased"):
        body = api.get(f"/api/v1/events/{record[name].pk}/").json()
        assert body["attested"] is False


def test_the_list_and_the_detail_agree_on_evidence(api, record):
    listed = api.get("/api/v1/events/", {"date_from": "2021-03", "date_to": "2021-03"}).json()
    by_slug = {event["slug"]: event for event in listed["results"]}
    detail = api.get(f"/api/v1/events/{record['event'].pk}/").json()
    assert by_slug["talks-2021"] == detail
    assert by_slug["paraphrased-2021"]["sources"] == [brief(record["paper"], 1)]
    assert by_slug["bare-2021"]["sources"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", {"bare-2021", "paraphrased-2021"}), ("true", {"talks-2021"})],
)
def test_attested_filters_events(api, record, value, expected):
    response = api.get(
        "/api/v1/events/", {"attested": value, "date_from": "2021-03", "date_to": "2021-03"}
    )
    assert response.status_code == 200
    assert {event["slug"] for event in response.json()["results"]} == expected


def test_a_bad_attested_value_is_a_400_naming_it(api):
    response = api.get("/api/v1/events/", {"attested": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["attested"]


def test_claims_filter_by_kind(api, record):
    response = api.get("/api/v1/claims/", {"kind": "report", "source": "wire"})
    assert [claim["slug"] for claim in response.json()["results"]] == ["wire-trade-doubled"]
    response = api.get("/api/v1/claims/", {"kind": "statement", "source": "wire"})
    assert [claim["slug"] for claim in response.json()["results"]] == ["envoy-talks-went-well"]
    response = api.get("/api/v1/claims/", {"kind": "rumour"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["kind"]


def test_claim_kind_narrows_the_embed_not_the_evidence(api, record):
    body = api.get(f"/api/v1/events/{record['event'].pk}/", {"claim_kind": "report"}).json()
    assert [claim["slug"] for claim in body["claims"]] == ["wire-trade-doubled"]
    assert body["sources"] == [brief(record["paper"], 1), brief(record["wire"], 2)]
    listed = api.get(
        "/api/v1/events/",
        {"claim_kind": "report", "date_from": "2021-03-02", "date_to": "2021-03-02"},
    )
    assert [claim["slug"] for claim in listed.json()["results"][0]["claims"]] == [
        "wire-trade-doubled"
    ]
    response = api.get("/api/v1/events/", {"claim_kind": "gossip"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["claim_kind"]


def test_a_claim_carries_its_kind_and_notes(api, record):
    body = api.get(f"/api/v1/claims/{record['report'].pk}/").json()
    assert (body["kind"], body["notes"]) == ("report", "The agency's own figure.")
    keys = list(body)
    assert keys.index("kind") == keys.index("slug") + 1
    assert keys.index("notes") == keys.index("status") + 1


def test_a_source_says_where_its_text_came_from(api, record):
    wire = record["wire"]
    wire.credits.add(ActorFactory(slug="wire-agency", name="Wire Agency", kind="media"))
    body = api.get(f"/api/v1/sources/{wire.pk}/").json()
    assert body["retrieved"] == "2021-03-05"
    assert body["archive_url"] is None
    assert body["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert body["credits"] == [
        {"id": wire.credits.get().pk, "slug": "wire-agency", "name": "Wire Agency", "kind": "media"}
    ]
    assert [event["slug"] for event in body["events"]] == ["talks-2021"]
    listed = api.get("/api/v1/sources/", {"publisher": wire.publisher.slug}).json()["results"]
    assert listed[0]["text_sha256"] == body["text_sha256"]


def test_a_new_text_gets_a_new_hash_kept_in_history(curator_api, record):
    wire = record["wire"]
    etag = curator_api.get(f"/api/v1/sources/{wire.pk}/")["ETag"]
    text = TEXT + " More."
    response = curator_api.patch(
        f"/api/v1/sources/{wire.pk}/",
        {"text": text, "archive_url": "https://archive.example/wire", "retrieved": "2021-03"},
        format="json", HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert (body["archive_url"], body["retrieved"]) == ("https://archive.example/wire", "2021-03")
    history = curator_api.get(f"/api/v1/sources/{wire.pk}/history/").json()["results"][0]
    changed = {change["field"] for change in history["changes"]}
    assert {"text", "text_sha256", "archive_url", "retrieved"} <= changed


def test_text_sha256_cannot_be_written(curator_api, record):
    wire = record["wire"]
    etag = curator_api.get(f"/api/v1/sources/{wire.pk}/")["ETag"]
    response = curator_api.patch(
        f"/api/v1/sources/{wire.pk}/", {"text_sha256": "0" * 64}, format="json", HTTP_IF_MATCH=etag
    )
    # A read-only name of the representation is taken back and ignored, as every read field is.
    assert response.status_code == 200
    assert Source.objects.get(pk=wire.pk).text_sha256 == hashlib.sha256(TEXT.encode()).hexdigest()


def test_a_curator_writes_a_report_with_notes(curator_api, record):
    body = {
        "kind": "report", "claimant": record["wire"].publisher.slug, "source": "wire",
        "text": "Talks went well, the wire says.", "quote": "Talks went well.",
        "stated": "2021-03-04", "notes": "Reported, not said.", "events": ["bare-2021"],
    }  # fmt: skip
    response = curator_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["notes"]) == ("report", "Reported, not said.")
    assert Event.objects.filter(slug="bare-2021").get().claims.get().kind == "report"
    bad = curator_api.post("/api/v1/claims/", {**body, "kind": "rumour"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["kind"]


def test_csv_columns_carry_kind_notes_and_evidence(api, record):
    claims = api.get("/api/v1/claims/", {"format": "csv", "source": "wire", "kind": "report"})
    rows = list(csv.DictReader(io.StringIO(b"".join(claims.streaming_content).decode())))
    assert [(row["slug"], row["kind"], row["notes"]) for row in rows] == [
        ("wire-trade-doubled", "report", "The agency's own figure.")
    ]
    events = api.get(
        "/api/v1/events/", {"format": "csv", "date_from": "2021-03", "date_to": "2021-03"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(events.streaming_content).decode())))
    assert {row["slug"]: (row["attested"], row["sources"]) for row in rows} == {
        "talks-2021": ("True", "paper;wire"),
        "bare-2021": ("False", ""),
        "paraphrased-2021": ("False", "paper"),
    }


def test_stats_count_claims_by_kind(api, record):
    response = api.get("/api/v1/stats/claims/", {"by": "kind", "source": "wire"})
    assert response.status_code == 200
    assert response.json() == [{"kind": "statement", "claims": 1}, {"kind": "report", "claims": 1}]


def test_the_seed_record_has_every_event_attested(api):
    response = api.get("/api/v1/events/", {"attested": "false"})
    assert response.json()["count"] == 0
    assert Claim.objects.filter(kind="report").exists()
    for event in api.get("/api/v1/events/", {"page_size": 100}).json()["results"]:
        assert event["attested"] is True, event["slug"]
        assert any(claim["quote"] and claim["source"] for claim in event["claims"]), event["slug"]
