"""History: every change to sources, actors, events and claims, with who, when and what."""

import datetime

import pytest
from django.core.cache import caches
from django.core.management import call_command

from tests.records import entries
from tracker import services
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db


def patch(client, url, body):
    etag = client.get(url)["ETag"]
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    return response


def history(client, url):
    response = client.get(f"{url}history/")
    assert response.status_code == 200
    return response.json()


def test_a_seed_record_starts_with_its_load(api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    body = history(api, f"/api/v1/claims/{claim.pk}/")
    assert body["count"] == 1
    (entry,) = body["results"]
    assert (entry["who"], entry["type"]) == (None, "created")
    changes = {change["field"]: (change["old"], change["new"]) for change in entry["changes"]}
    assert changes["claimant"] == (None, "alexander-matsegora")
    assert changes["source"] == (None, "tass-2020-02-07-matsegora-interview")
    assert changes["events"] == (None, ["matsegora-tass-interview-2020"])
    assert changes["status"] == (None, "unverified")


def test_a_claim_history_lists_each_change_with_who_and_what(api, curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    before = datetime.datetime.now(datetime.UTC)
    rationale = "Other reports put the figure higher."
    body = {"status": "disputed", "rationale": rationale, "events": ["vladivostok-summit-2019"]}
    patch(curator_api, url, body)
    patch(
        curator_api,
        url,
        {"relations": [{"type": "contradicts", "claim": "matsegora-hopes-decline-overcome-2020"}]},
    )
    body = history(api, url)
    assert body["count"] == 3
    newest, middle, first = body["results"]
    assert [entry["type"] for entry in body["results"]] == ["changed", "changed", "created"]
    assert newest["who"] == middle["who"] == "curator"  # a public label for an anonymous reader
    assert datetime.datetime.fromisoformat(newest["when"]) >= before
    assert newest["id"] > middle["id"] > first["id"]
    assert (middle["rationale"], newest["rationale"]) == (rationale, None)  # why the status moved
    assert middle["changes"] == [
        {"field": "status", "old": "unverified", "new": "disputed"},
        {
            "field": "events",
            "old": ["matsegora-tass-interview-2020"],
            "new": ["vladivostok-summit-2019"],
        },
    ]
    assert newest["changes"] == [
        {
            "field": "relations",
            "old": [],
            "new": [{"type": "contradicts", "claim": "matsegora-hopes-decline-overcome-2020"}],
        }
    ]


def test_an_event_history_shows_participants_and_tags(api, curator_api):
    event = Event.objects.get(slug="matsegora-tass-interview-2020")
    url = f"/api/v1/events/{event.pk}/"
    old_actors = history(api, url)["results"][0]["changes"]
    old_actors = next(change["new"] for change in old_actors if change["field"] == "actors")
    patch(
        curator_api,
        url,
        {"actors": [{"actor": "tass", "role": "interviewer"}], "tags": [], "title": "Interview"},
    )
    (entry, _) = history(api, url)["results"]
    assert entry["changes"] == [
        {
            "field": "title",
            "old": "Ambassador Alexander Matsegora's interview with TASS on Russia–North Korea trade",
            "new": "Interview",
        },
        {"field": "actors", "old": old_actors, "new": [{"actor": "tass", "role": "interviewer"}]},
        {"field": "tags", "old": ["sanctions", "statements", "trade"], "new": []},
    ]


def test_a_source_history_names_fields_as_the_api_does(api, curator_api):
    source = Source.objects.get(slug="russia-doubled-trade-2017")
    url = f"/api/v1/sources/{source.pk}/"
    patch(curator_api, url, {"document_url": "https://example.org/doubled", "publisher": "tass"})
    entry = history(api, url)["results"][0]
    assert entry["changes"] == [
        {"field": "publisher", "old": None, "new": "tass"},
        {"field": "document_url", "old": "", "new": "https://example.org/doubled"},
    ]


def test_a_deleted_record_keeps_its_history(api, curator_api):
    response = curator_api.post("/api/v1/actors/", {"name": "Brief", "kind": "person"})
    url = response.json()["url"]
    deleted = curator_api.delete(url, HTTP_IF_MATCH=response["ETag"])
    assert deleted.status_code == 204
    body = history(curator_api, url)  # a draft's history is the curators' (readers: 404)
    assert [(entry["type"], entry["who"]) for entry in body["results"]] == [
        ("deleted", "curie"),
        ("created", "curie"),
    ]
    assert api.get(f"{url}history/").status_code == 404
    assert {"field": "name", "old": "Brief", "new": None} in body["results"][0]["changes"]


def test_deleting_an_event_shows_in_the_history_of_its_claims(api, curator_api):
    event = Event.objects.get(slug="matsegora-tass-interview-2020")
    claim = event.claims.order_by("pk").first()
    etag = api.get(f"/api/v1/events/{event.pk}/")["ETag"]
    assert curator_api.delete(f"/api/v1/events/{event.pk}/", HTTP_IF_MATCH=etag).status_code == 204
    entry = history(curator_api, f"/api/v1/claims/{claim.pk}/")["results"][0]
    assert (entry["type"], entry["who"]) == ("changed", "curie")
    assert entry["changes"] == [
        {"field": "events", "old": ["matsegora-tass-interview-2020"], "new": []}
    ]


def test_incoming_relations_are_recorded_on_the_claim_they_start_from(api, curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    other = Claim.objects.get(slug="matsegora-losing-to-china-2020")
    body = {"relations": [{"type": "supports", "claim": other.pk, "direction": "incoming"}]}
    patch(curator_api, f"/api/v1/claims/{claim.pk}/", body)
    entry = history(api, f"/api/v1/claims/{other.pk}/")["results"][0]
    assert entry["changes"] == [
        {"field": "relations", "old": [], "new": [{"type": "supports", "claim": claim.slug}]}
    ]


def test_a_script_without_a_user_is_recorded_as_no_one(api):
    actor = Actor.objects.get(slug="ri-son-gwon")
    services.actor_update(actor=actor, data={"title": "Minister"})
    entry = history(api, f"/api/v1/actors/{actor.pk}/")["results"][0]
    assert (entry["who"], entry["changes"]) == (
        None,
        [{"field": "title", "old": "North Korean Foreign Minister", "new": "Minister"}],
    )


def test_each_api_write_is_one_entry_by_its_user_for_the_api(api, curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    before = entries(claim)
    url = f"/api/v1/claims/{claim.pk}/"
    # Fields, events and relations in one write: one entry (and one for the other claim,
    # whose incoming relation is its outgoing one).
    other = Claim.objects.get(slug="matsegora-hopes-decline-overcome-2020")
    other_before = entries(other)
    relation = {"type": "supports", "claim": claim.slug, "direction": "incoming"}
    body = {"status": "disputed", "rationale": "Doubted.", "events": ["vladivostok-summit-2019"]}
    patch(curator_api, url, {**body, "relations": [{**relation, "claim": other.slug}]})
    assert entries(claim) == [("~", "curie", "api"), *before]
    assert entries(other) == [("~", "curie", "api"), *other_before]
    response = curator_api.delete(url, HTTP_IF_MATCH=curator_api.get(url)["ETag"])
    assert response.status_code == 204
    assert entries(claim)[0] == ("-", "curie", "api")


def test_linking_in_a_shell_is_recorded_too(api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    claim.events.add(Event.objects.get(slug="vladivostok-summit-2019"))
    entry = history(api, f"/api/v1/claims/{claim.pk}/")["results"][0]
    assert entry["changes"] == [
        {
            "field": "events",
            "old": ["matsegora-tass-interview-2020"],
            "new": ["matsegora-tass-interview-2020", "vladivostok-summit-2019"],
        }
    ]


def test_loading_the_fixtures_again_records_nothing():
    before = Claim.history.count(), Event.history.count()
    call_command("loaddata", "record", verbosity=0)
    assert (Claim.history.count(), Event.history.count()) == before


def test_history_is_paginated_at_a_constant_query_count(
    api, curator_api, django_assert_num_queries
):
    actor = Actor.objects.get(slug="ri-son-gwon")
    for number in range(6):
        services.actor_update(actor=actor, data={"title": f"Title {number}"})
    url = f"/api/v1/actors/{actor.pk}/history/"
    # count, page (with users), the predecessor of the page's last entry, the slugs referred to,
    # and first the record version (the HTTP validators of every read) and, for a reader,
    # whether the record is one readers may read
    for page_size in (2, 7):
        with django_assert_num_queries(4 + 2):
            response = api.get(f"{url}?page_size={page_size}")
        assert len(response.json()["results"]) == page_size
    second = api.get(f"{url}?page_size=2&page=2").json()["results"]
    assert second[0]["changes"] == [{"field": "title", "old": "Title 2", "new": "Title 3"}]
    assert second[1]["changes"] == [{"field": "title", "old": "Title 1", "new": "Title 2"}]


@pytest.mark.parametrize("url", ["/api/v1/claims/999999/history/", "/api/v1/claims/x/history/"])
def test_history_of_nothing_is_a_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert response.json()["status"] == 404


# --- What each reader may see (issue 19) ----------------------------------------------------

NOTE = "INTERNAL: tip came from confidential contact"
KINDS = {
    "events": (Event, "matsegora-tass-interview-2020"),
    "claims": (Claim, "matsegora-trade-at-lows-2020"),
    "actors": (Actor, "alexander-matsegora"),
    "sources": (Source, "tass-2020-02-07-matsegora-interview"),
}


def write_note(model, pk, text, by):
    """A curator's note, as the admin writes it (the write API does not take notes)."""
    record = model.objects.get(pk=pk)
    update = getattr(services, f"{model._meta.model_name}_update")
    update(**{model._meta.model_name: record}, data={"notes": text}, by=by)


@pytest.fixture
def superuser_api(db):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("root-admin", password="x" * 12))
    return client


def test_anonymous_event_history_shows_no_hidden_field_and_no_login_name(
    api, curator, curator_api, superuser_api
):
    """The review's request: a curator's note and both login names were public here."""
    url = "/api/v1/events/1/"
    write_note(Event, 1, NOTE, curator)
    patch(curator_api, url, {"title": "Renamed by the curator"})
    write_note(Event, 1, NOTE + " (2)", superuser_api.handler._force_user)
    patch(superuser_api, url, {"location": "Moscow"})
    detail = api.get(url).json()
    response = api.get(f"{url}history/")
    assert response.status_code == 200
    for entry in response.json()["results"]:
        assert {change["field"] for change in entry["changes"]} <= set(detail), entry
        assert entry["who"] in {"curator", None}
    text = response.content.decode()
    assert NOTE not in text and "curie" not in text and "root-admin" not in text
    newest, hidden, middle = response.json()["results"][:3]
    assert newest["changes"] == [{"field": "location", "old": "", "new": "Moscow"}]
    assert hidden["changes"] == []  # the note's change: the entry stays, its content does not
    assert middle["changes"][0] == {
        "field": "title", "old": Event.history.filter(id=1).earliest("history_date").title,
        "new": "Renamed by the curator",
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_history_shows_a_reader_only_what_the_detail_shows(api, curator, reader, kind):
    from rest_framework.test import APIClient

    model, slug = KINDS[kind]
    pk = model.objects.get(slug=slug).pk
    url = f"/api/v1/{kind}/{pk}/"
    write_note(model, pk, NOTE, curator)
    staff = APIClient()
    staff.force_authenticate(reader)  # may view everything in the admin, change nothing
    for client in (api, staff):
        detail = client.get(url).json()
        for entry in history(client, url)["results"]:
            assert {change["field"] for change in entry["changes"]} <= set(detail)
            assert entry["who"] in {"curator", None}
        shown = NOTE in client.get(f"{url}history/").content.decode()
        assert shown == ("notes" in detail)  # the derivation follows the representation


def test_a_curator_reads_the_whole_history_with_names(curator, curator_api):
    url = "/api/v1/events/1/"
    before = Event.objects.get(pk=1).notes
    write_note(Event, 1, NOTE, curator)
    entry = history(curator_api, url)["results"][0]
    assert (entry["who"], entry["changes"]) == (
        "curie", [{"field": "notes", "old": before, "new": NOTE}],
    )  # fmt: skip


def test_a_field_made_public_in_the_representation_becomes_readable_in_history(
    api, curator, monkeypatch
):
    from tracker.api.serializers import EventSerializer

    event = Event.objects.get(slug="vladivostok-summit-2019")
    url = f"/api/v1/events/{event.pk}/"
    write_note(Event, event.pk, NOTE, curator)
    assert history(api, url)["results"][0]["changes"] == []
    monkeypatch.setattr(EventSerializer.Meta, "fields", [*EventSerializer.Meta.fields, "notes"])
    # A change of code is a new deployment, whose answers are keyed apart from the old code's
    # (tracker.api.record_cache.code_fingerprint); patched in place, the old ones must go.
    caches["records"].clear()
    assert history(api, url)["results"][0]["changes"] == [
        {"field": "notes", "old": event.notes, "new": NOTE}
    ]


def test_long_texts_come_as_length_and_hash_and_whole_to_curators_on_request(api, curator_api):
    import hashlib

    source = Source.objects.get(slug="russia-doubled-trade-2017")
    url = f"/api/v1/sources/{source.pk}/"
    old = source.text
    patch(curator_api, url, {"text": old + " Appended."})
    summary = {"length": len(old), "sha256": hashlib.sha256(old.encode()).hexdigest()}
    assert len(old) > 500

    def text_change(body):
        # The text's hash (text_sha256, 64 characters) changes with it and comes whole.
        changes = {change["field"]: change for change in body["results"][0]["changes"]}
        assert set(changes) == {"text", "text_sha256"}
        assert (
            changes["text_sha256"]["new"]
            == hashlib.sha256((old + " Appended.").encode()).hexdigest()
        )
        return changes["text"]

    for client in (api, curator_api):
        change = text_change(history(client, url))
        assert change["old"] == summary
        assert change["new"]["length"] == len(old) + len(" Appended.")
    change = text_change(curator_api.get(f"{url}history/?full=true").json())
    assert (change["old"], change["new"]) == (old, old + " Appended.")
    refused = api.get(f"{url}history/?full=true")
    assert refused.status_code == 403
    assert list(refused.json()["errors"]) == ["full"]
    wrong = curator_api.get(f"{url}history/?full=yes")
    assert wrong.status_code == 400
    assert list(wrong.json()["errors"]) == ["full"]


def test_history_pages_are_capped_lower_than_lists(api):
    actor = Actor.objects.get(slug="ri-son-gwon")
    for number in range(55):
        services.actor_update(actor=actor, data={"title": f"Title {number}"})
    body = api.get(f"/api/v1/actors/{actor.pk}/history/?page_size=200").json()
    assert (body["count"], len(body["results"])) == (56, 50)
    assert len(api.get(f"/api/v1/actors/{actor.pk}/history/").json()["results"]) == 20
