"""The editorial workflow over the API: draft, in review, published, retracted; who may move a
record, what readers see at each step, and the bodies of the refusals (409 and 403)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from tests.records import publish
from tracker import services
from tracker.models import Claim, Event

pytestmark = pytest.mark.django_db

EVENT = "matsegora-tass-interview-2020"
# A word no seed claim holds: the search finds the new claim and nothing else.
WORD = "Zanzibarian"
CLAIM = {
    "text": f"Trade fell, a {WORD} remark.",
    "quote": "That is why, we are still losing here to Chinese partners.",
    "claimant": "alexander-matsegora",
    "source": "tass-2020-02-07-matsegora-interview",
    "stated": "2020-02-07",
    "status": "disputed",
    "events": [EVENT],
}


def patch_state(client, url, body):
    etag = client.get(url)["ETag"]
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag)


def what_readers_see(api) -> dict:
    """Everything an anonymous reader could learn the new claim from."""
    event = Event.objects.get(slug=EVENT)
    embedded = api.get(f"/api/v1/events/{event.pk}/").json()
    claims_csv = b"".join(api.get("/api/v1/claims/?format=csv").streaming_content).decode()
    return {
        "listed": [c["slug"] for c in api.get("/api/v1/claims/?page_size=500").json()["results"]],
        "count": api.get("/api/v1/claims/").json()["count"],
        "embedded": [claim["slug"] for claim in embedded["claims"]],
        "event sources": [(s["slug"], s["claims"]) for s in embedded["sources"]],
        "searched": api.get(f"/api/v1/claims/?q={WORD}").json()["count"],
        "csv": [row["slug"] for row in csv.DictReader(io.StringIO(claims_csv))],
        "by status": api.get("/api/v1/stats/claims/?by=status").json(),
        "per year": api.get(
            "/api/v1/stats/timeline/?bucket=year&date_from=2020&date_to=2020"
        ).json(),
        "by source": api.get("/api/v1/stats/sources/").json(),
    }


def test_a_claim_goes_from_draft_to_published_by_two_curators(api, curator_api, reviewer_api):
    Group.objects.get(name="reviewers").user_set.add(User.objects.get(username="curie"))
    before = what_readers_see(api)

    created = curator_api.post("/api/v1/claims/", CLAIM, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    slug, url = body["slug"], body["url"]
    assert (body["state"], body["state_rationale"]) == ("draft", "")
    # A draft: the curators' alone.
    assert api.get(url).status_code == 404
    assert what_readers_see(api) == before
    assert slug in [
        c["slug"] for c in curator_api.get("/api/v1/claims/?state=draft").json()["results"]
    ]

    submitted = patch_state(curator_api, url, {"state": "in_review"})
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "in_review"
    assert what_readers_see(api) == before

    # Its author may not publish it, though a reviewer: a second curator must.
    own = patch_state(curator_api, url, {"state": "published"})
    assert own.status_code == 403
    assert own.json()["rule"] == "second_curator"
    assert what_readers_see(api) == before

    approved = patch_state(reviewer_api, url, {"state": "published"})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "published"
    after = what_readers_see(api)
    assert api.get(url).json()["state"] == "published"
    assert slug in after["listed"] and slug not in before["listed"]
    assert after["count"] == before["count"] + 1
    assert slug in after["embedded"] and slug not in before["embedded"]
    assert dict(after["event sources"])[CLAIM["source"]] == (
        dict(before["event sources"])[CLAIM["source"]] + 1
    )
    assert after["searched"] == before["searched"] + 1 == 1
    assert slug in after["csv"] and slug not in before["csv"]
    disputed = {row["status"]: row["claims"] for row in after["by status"]}["disputed"]
    assert disputed == {row["status"]: row["claims"] for row in before["by status"]}["disputed"] + 1
    assert after["per year"][0]["claims"] == before["per year"][0]["claims"] + 1
    assert after["by source"] != before["by source"]

    # Who moved it, when and why: its history.
    history = curator_api.get(f"{url}history/").json()["results"]
    moves = [
        (entry["who"], change["old"], change["new"])
        for entry in history
        for change in entry["changes"]
        if change["field"] == "state"
    ]
    assert moves == [
        ("rosa", "in_review", "published"),
        ("curie", "draft", "in_review"),
        ("curie", None, "draft"),
    ]


def test_readers_see_a_retracted_record_with_its_reason(api, curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    refused = patch_state(curator_api, url, {"state": "retracted"})
    assert refused.status_code == 409
    assert refused.json() == {
        "status": 409,
        "code": "rationale_required",
        "detail": "Moving a claim from published to retracted (retract) needs a rationale: "
        "say why.",
        "errors": {"state": [refused.json()["detail"]]},
        "rule": "rationale_required",
    }
    reason = "The interview was misquoted by the outlet."
    retracted = patch_state(curator_api, url, {"state": "retracted", "rationale": reason})
    assert retracted.status_code == 200, retracted.json()
    shown = api.get(url).json()
    assert (shown["state"], shown["state_rationale"]) == ("retracted", reason)
    assert claim.slug in [
        c["slug"] for c in api.get("/api/v1/claims/?state=retracted").json()["results"]
    ]
    entry = api.get(f"{url}history/").json()["results"][0]
    assert (entry["who"], entry["rationale"]) == ("curator", reason)


@pytest.mark.parametrize(
    ("start", "to", "rule", "detail"),
    [
        ("draft", "published", "no_such_transition",
         "A claim in the state draft cannot move to published; it may move to in_review."),
        ("published", "draft", "no_such_transition",
         "A claim in the state published cannot move to draft; it may move to retracted."),
        ("in_review", "draft", "rationale_required",
         "Moving a claim from in_review to draft (send back) needs a rationale: say why."),
    ],
)  # fmt: skip
def test_a_transition_the_workflow_refuses_is_a_409_naming_the_rule(
    curator_api, start, to, rule, detail
):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    Claim.objects.filter(pk=claim.pk).update(state=start)
    before = Claim.objects.values_list("state", "state_rationale").get(pk=claim.pk)
    response = patch_state(curator_api, f"/api/v1/claims/{claim.pk}/", {"state": to})
    assert response.status_code == 409
    assert response.json() == {
        "status": 409, "code": rule, "detail": detail, "errors": {"state": [detail]}, "rule": rule,
    }  # fmt: skip
    assert Claim.objects.values_list("state", "state_rationale").get(pk=claim.pk) == before


def test_publishing_needs_the_reviewer_role(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    Claim.objects.filter(pk=claim.pk).update(state="in_review")
    response = patch_state(curator_api, f"/api/v1/claims/{claim.pk}/", {"state": "published"})
    assert response.status_code == 403
    detail = "Publishing a claim needs the permission tracker.publish_claim (the reviewers group)."
    assert response.json() == {
        "status": 403, "code": "publish_permission", "detail": detail,
        "errors": {"state": [detail]}, "rule": "publish_permission",
    }  # fmt: skip
    assert Claim.objects.get(pk=claim.pk).state == "in_review"


def test_one_curator_publishes_alone_when_the_setting_is_off(curator_api, settings):
    settings.REVIEW_SECOND_CURATOR = False
    Group.objects.get(name="reviewers").user_set.add(User.objects.get(username="curie"))
    created = curator_api.post("/api/v1/actors/", {"name": "Lone", "kind": "person"}).json()
    assert patch_state(curator_api, created["url"], {"state": "in_review"}).status_code == 200
    published = patch_state(curator_api, created["url"], {"state": "published"})
    assert published.status_code == 200, published.json()
    assert published.json()["state"] == "published"


def test_a_transition_needs_the_current_etag(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    body = {"state": "retracted", "rationale": "Wrong."}
    assert curator_api.patch(url, body, format="json").status_code == 428
    stale = curator_api.patch(url, body, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    assert Claim.objects.get(pk=claim.pk).state == "published"


def test_a_transition_is_a_write_of_its_own(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    body = {"state": "retracted", "rationale": "Wrong.", "text": "Something else."}
    response = patch_state(curator_api, f"/api/v1/claims/{claim.pk}/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["text"]
    assert Claim.objects.get(pk=claim.pk).state == "published"


def test_a_status_change_needs_a_rationale_and_history_keeps_it(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    refused = patch_state(curator_api, url, {"status": "refuted"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "rationale": ["A change of a claim's status needs a rationale: say why."]
    }
    changed = patch_state(curator_api, url, {"status": "refuted", "rationale": "Customs data."})
    assert changed.status_code == 200
    entry = curator_api.get(f"{url}history/").json()["results"][0]
    assert (entry["who"], entry["rationale"]) == ("curie", "Customs data.")
    assert {"field": "status", "old": "unverified", "new": "refuted"} in entry["changes"]


def test_every_content_write_names_its_last_editor(curator_api, curator):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    assert claim.last_editor is None  # loaded from the fixtures
    patch_state(curator_api, f"/api/v1/claims/{claim.pk}/", {"notes": "Checked."})
    assert Claim.objects.get(pk=claim.pk).last_editor == curator
    services.transition(record=Claim.objects.get(pk=claim.pk), to="retracted", rationale="x")
    assert Claim.objects.get(pk=claim.pk).last_editor == curator  # a move is no edit


def test_a_reader_may_not_list_drafts(api, reader):
    response = api.get("/api/v1/events/?state=draft")
    assert response.status_code == 403
    assert response.json()["errors"] == {
        "state": ["Readers see published and retracted records, not draft ones."]
    }
    signed_in = APIClient()
    signed_in.force_authenticate(reader)  # may view, may not change: a reader
    assert signed_in.get("/api/v1/claims/?state=in_review").status_code == 403
    assert signed_in.get("/api/v1/claims/?state=published").status_code == 200


def test_a_published_event_embeds_no_draft_claim_in_any_format(api, curator_api):
    created = curator_api.post("/api/v1/claims/", CLAIM, format="json").json()
    event = Event.objects.get(slug=EVENT)
    for fmt in ("json", "csv", "timelinejs", "geojson", "ics"):
        shown = api.get(f"/api/v1/events/?format={fmt}&date_from=2020-02&date_to=2020-02")
        content = b"".join(shown.streaming_content) if shown.streaming else shown.content
        assert WORD not in content.decode(), fmt
    for fmt in ("jsonld", "annotations"):
        shown = api.get(f"/api/v1/claims/?format={fmt}")
        content = b"".join(shown.streaming_content) if shown.streaming else shown.content
        assert WORD not in content.decode(), fmt
    source = api.get(f"/api/v1/sources/{Claim.objects.get(pk=created['id']).source_id}/").json()
    assert created["slug"] not in [claim["slug"] for claim in source["claims"]]
    assert WORD in curator_api.get(f"/api/v1/events/{event.pk}/").content.decode()
    publish(Claim.objects.get(pk=created["id"]))
    assert WORD in api.get(f"/api/v1/events/{event.pk}/").content.decode()


def test_answers_that_differ_by_role_are_not_shared(api, curator_api):
    anonymous = api.get("/api/v1/claims/")
    assert anonymous["Cache-Control"].startswith("public")
    signed_in = curator_api.get("/api/v1/claims/")
    assert signed_in["Cache-Control"].startswith("private")
    for response in (anonymous, signed_in):
        assert {"Accept", "Authorization", "Cookie"} <= {
            name.strip() for name in response["Vary"].split(",")
        }
    assert anonymous["ETag"] != signed_in["ETag"]
    # Anonymous polling still gets its 304.
    again = api.get("/api/v1/claims/", HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert again.status_code == 304
    curator_api.post("/api/v1/claims/", CLAIM, format="json")  # a draft: readers see no change
    assert api.get("/api/v1/claims/").json()["count"] == anonymous.json()["count"]
    assert curator_api.get("/api/v1/claims/").json()["count"] == signed_in.json()["count"] + 1


def test_import_source_takes_a_state(tmp_path):
    import json

    from django.core.management import call_command

    from tracker.models import Source

    document = {
        "source": {"slug": "imported-doc", "title": "Imported", "published": "2021",
                   "text": "He said: the border stays shut."},
        "claims": [{"slug": "imported-claim", "text": "Border shut.", "quote": "the border stays shut",
                    "claimant": "alexander-matsegora", "stated": "2021"}],
    }  # fmt: skip
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    call_command("import_source", str(path), verbosity=0)
    assert Source.objects.get(slug="imported-doc").state == "draft"
    assert Claim.objects.get(slug="imported-claim").state == "draft"
    document["source"]["slug"], document["claims"][0]["slug"] = "vetted-doc", "vetted-claim"
    path.write_text(json.dumps(document))
    call_command("import_source", str(path), "--state", "published", verbosity=0)
    assert Source.objects.get(slug="vetted-doc").state == "published"
    assert Claim.objects.get(slug="vetted-claim").history.first().state == "published"


def test_a_claim_is_published_only_once_what_it_shows_is(curator_api, reviewer_api):
    """A published claim shows its claimant's and source's brief form: a draft's name must
    not reach readers through it."""
    actor = curator_api.post("/api/v1/actors/", {"name": "New Envoy", "kind": "person"}).json()
    claim = curator_api.post(
        "/api/v1/claims/", {**CLAIM, "claimant": actor["slug"]}, format="json"
    ).json()
    assert patch_state(curator_api, claim["url"], {"state": "in_review"}).status_code == 200
    refused = patch_state(reviewer_api, claim["url"], {"state": "published"})
    assert refused.status_code == 409
    assert refused.json()["rule"] == "unpublished_reference"
    assert refused.json()["detail"] == (
        f"Publish what this claim shows first: its claimant '{actor['slug']}' is draft."
    )
    assert patch_state(curator_api, actor["url"], {"state": "in_review"}).status_code == 200
    assert patch_state(reviewer_api, actor["url"], {"state": "published"}).status_code == 200
    assert patch_state(reviewer_api, claim["url"], {"state": "published"}).status_code == 200


def test_a_source_is_published_only_once_the_outlets_it_credits_are(curator_api, reviewer_api):
    outlet = curator_api.post("/api/v1/actors/", {"name": "Wire Co", "kind": "media"}).json()
    body = {"title": "A wire story", "published": "2021", "text": "Nothing much.",
            "credits": [outlet["slug"]]}  # fmt: skip
    source = curator_api.post("/api/v1/sources/", body, format="json")
    assert source.status_code == 201, source.json()
    url = source.json()["url"]
    assert patch_state(curator_api, url, {"state": "in_review"}).status_code == 200
    refused = patch_state(reviewer_api, url, {"state": "published"})
    assert (refused.status_code, refused.json()["rule"]) == (409, "unpublished_reference")
    assert f"credited '{outlet['slug']}' is draft" in refused.json()["detail"]


def test_a_published_record_may_not_be_pointed_at_a_draft(curator_api):
    actor = curator_api.post("/api/v1/actors/", {"name": "New Envoy", "kind": "person"}).json()
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    response = patch_state(curator_api, f"/api/v1/claims/{claim.pk}/", {"claimant": actor["slug"]})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "claimant": [
            f"Readers see this claim, so its claimant '{actor['slug']}' may not be draft: "
            "publish that first."
        ]
    }
    assert Claim.objects.get(pk=claim.pk).claimant.slug == "alexander-matsegora"
    source = claim.source
    response = patch_state(
        curator_api, f"/api/v1/sources/{source.pk}/", {"credits": [actor["slug"]]}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credits"]


def test_loading_the_seed_again_republishes_nothing(api):
    from django.core.management import call_command

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    services.transition(record=claim, to="retracted", rationale="Misquoted.")
    history_before = claim.history.count()
    call_command("loaddata", "record", verbosity=0)
    claim.refresh_from_db()
    assert (claim.state, claim.state_rationale) == ("retracted", "Misquoted.")
    assert claim.history.count() == history_before
