"""No lost updates: a detail's ETag, and If-Match required on PUT, PATCH and DELETE."""

import threading

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.test_writes import dump
from tracker.api.conditional import etag_for
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db

RECORDS = [
    ("actors", Actor, "alexander-matsegora"),
    ("sources", Source, "tass-2020-02-07-matsegora-interview"),
    ("events", Event, "vladivostok-summit-2019"),
    ("claims", Claim, "matsegora-trade-at-lows-2020"),
]
CHANGES = {
    "actors": {"title": "Ambassador"},
    "sources": {"notes": "Checked."},
    "events": {"location": "Vladivostok"},
    "claims": {"status": "disputed", "rationale": "Checked."},
}


@pytest.mark.parametrize(("kind", "model", "slug"), RECORDS)
def test_a_detail_carries_the_etag_of_its_representation(api, kind, model, slug):
    response = api.get(f"/api/v1/{kind}/{model.objects.get(slug=slug).pk}/")
    assert response["ETag"] == etag_for(response.json(), "http://testserver")
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 34


def test_the_etag_of_an_event_changes_with_a_claim_it_embeds(api, curator_api):
    event = Event.objects.get(slug="matsegora-tass-interview-2020")
    before = api.get(f"/api/v1/events/{event.pk}/")["ETag"]
    claim = event.claims.first()
    etag = api.get(f"/api/v1/claims/{claim.pk}/")["ETag"]
    response = curator_api.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "refuted", "rationale": "Checked."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    assert api.get(f"/api/v1/events/{event.pk}/")["ETag"] != before


@pytest.mark.parametrize(("kind", "model", "slug"), RECORDS)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_without_if_match_a_write_is_a_428(curator_api, kind, model, slug, method):
    before = dump()
    pk = model.objects.get(slug=slug).pk
    response = getattr(curator_api, method)(f"/api/v1/{kind}/{pk}/", CHANGES[kind], format="json")
    assert response.status_code == 428
    assert response.json() == {
        "status": 428,
        "code": "precondition_required",
        "detail": "This request must carry an If-Match header with the record's current ETag "
        "(from a GET of it), so that it cannot overwrite a change it has not seen.",
        "errors": {},
    }
    assert dump() == before


STALE = '"0123456789abcdef0123456789abcdef"'


@pytest.mark.parametrize(("kind", "model", "slug"), RECORDS)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_with_a_stale_etag_a_write_is_a_412_and_writes_nothing(
    curator_api, kind, model, slug, method
):
    before = dump()
    pk = model.objects.get(slug=slug).pk
    current = curator_api.get(f"/api/v1/{kind}/{pk}/")["ETag"]
    response = getattr(curator_api, method)(
        f"/api/v1/{kind}/{pk}/", CHANGES[kind], format="json", HTTP_IF_MATCH=STALE
    )
    assert response.status_code == 412
    assert response.json() == {
        "status": 412,
        "code": "precondition_failed",
        "detail": "The record has changed since the ETag in If-Match: nothing was written. "
        "GET it again, reapply your change and send it with the new ETag.",
        "errors": {},
    }
    assert response["ETag"] == current  # what to send after re-reading
    assert dump() == before


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("{current}", 200),
        ("*", 200),
        (f"{STALE}, {{current}}", 200),  # a list matches if any of its tags does
        (f'{STALE}, "ffff"', 412),
        ("W/{current}", 412),  # If-Match compares strongly: a weak tag never matches
        ("{bare}", 412),  # not an entity tag at all (unquoted)
        ("", 412),
    ],
)
def test_if_match_forms(curator_api, header, status):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    current = curator_api.get(f"/api/v1/claims/{claim.pk}/")["ETag"]
    response = curator_api.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "refuted", "rationale": "Checked."},
        format="json",
        HTTP_IF_MATCH=header.format(current=current, bare=current.strip('"')),
    )
    assert response.status_code == status
    claim.refresh_from_db()
    assert claim.status == ("refuted" if status == 200 else "unverified")


def test_preconditions_come_after_404_and_before_validation(curator_api):
    response = curator_api.patch("/api/v1/claims/999999/", {"status": "x"}, format="json")
    assert response.status_code == 404
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    assert curator_api.patch(url, {"status": "x"}, format="json").status_code == 428
    etag = curator_api.get(url)["ETag"]
    response = curator_api.patch(url, {"status": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_two_curators_edit_the_same_claim(curator_api, curator):
    """Both read version 1; the first save wins, the second is refused and must re-read."""
    second = User.objects.create_user("marie", is_staff=True)
    second.groups.add(Group.objects.get(name="curators"))
    other_api = APIClient()
    other_api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=second).key}")

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    first_read, second_read = curator_api.get(url), other_api.get(url)
    assert first_read["ETag"] == second_read["ETag"]

    first = curator_api.patch(
        url,
        {"status": "corroborated", "rationale": "Checked."},
        format="json",
        HTTP_IF_MATCH=first_read["ETag"],
    )
    assert first.status_code == 200
    second_try = other_api.patch(
        url,
        {"status": "disputed", "rationale": "Checked."},
        format="json",
        HTTP_IF_MATCH=second_read["ETag"],
    )
    assert second_try.status_code == 412
    claim.refresh_from_db()
    assert claim.status == "corroborated"  # the first curator's change was not lost

    # The second curator re-reads, sees the first's change, and applies theirs on top.
    reread = other_api.get(url)
    assert reread.json()["status"] == "corroborated"
    assert second_try["ETag"] == reread["ETag"] == first["ETag"]
    third = other_api.patch(
        url,
        {"status": "disputed", "rationale": "Checked."},
        format="json",
        HTTP_IF_MATCH=reread["ETag"],
    )
    assert third.status_code == 200
    history = curator_api.get(f"{url}history/").json()["results"]
    assert [(entry["who"], entry["changes"]) for entry in history[:2]] == [
        ("marie", [{"field": "status", "old": "corroborated", "new": "disputed"}]),
        ("curie", [{"field": "status", "old": "unverified", "new": "corroborated"}]),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_curators_saving_at_the_same_moment_cannot_both_win(committed_record, curator):
    """Two writes with the same ETag, truly concurrent: one 200, one 412, never two 200s."""
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    token = Token.objects.create(user=curator).key
    etag = APIClient().get(url)["ETag"]
    barrier, results = threading.Barrier(2), []

    def save(status):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        body = {"status": status, "rationale": "A second source."}
        response = client.patch(url, body, format="json", HTTP_IF_MATCH=etag)
        results.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=save, args=(s,)) for s in ("corroborated", "disputed")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [200, 412]
    assert Claim.history.filter(id=claim.pk, history_type="~").count() == 1
