"""Roles: anyone reads; writing needs an authenticated user with the model permissions
(the `curators` group); scripts use a token, the browser its session with CSRF."""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.test_writes import dump
from tracker.models import Claim, Event

pytestmark = pytest.mark.django_db

CLAIM = "matsegora-trade-at-lows-2020"


def requests():
    """(method, url, body) of every kind of write, with the current ETag where one is needed."""
    claim = Claim.objects.get(slug=CLAIM)
    body = {"text": "x", "claimant": "tass", "source": claim.source_id, "stated": "2020"}
    return [
        ("post", "/api/v1/claims/", body),
        ("post", "/api/v1/actors/", {"name": "X", "kind": "person"}),
        ("post", "/api/v1/events/", {"title": "X", "date": "2020"}),
        ("post", "/api/v1/sources/", {"title": "X", "published": "2020", "text": "X"}),
        ("put", f"/api/v1/claims/{claim.pk}/", body),
        ("patch", f"/api/v1/claims/{claim.pk}/", {"status": "refuted"}),
        ("delete", f"/api/v1/claims/{claim.pk}/", None),
    ]


def send(client, method, url, body):
    etag = APIClient().get(url)["ETag"] if method != "post" else None
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return getattr(client, method)(url, body, format="json", **headers)


def test_the_curators_group_may_write_every_kind_of_record():
    permissions = set(
        Group.objects.get(name="curators").permissions.values_list("codename", flat=True)
    )
    for model in ["actor", "source", "event", "claim", "tag", "eventactor", "claimrelation"]:
        assert {f"{action}_{model}" for action in ("add", "change", "delete", "view")} <= (
            permissions
        )


@pytest.mark.parametrize("index", range(7))
def test_anonymous_writes_are_a_401_that_names_the_scheme(api, index):
    method, url, body = requests()[index]
    before = dump()
    response = send(api, method, url, body)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "status": 401,
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }
    assert dump() == before


@pytest.mark.parametrize("index", range(7))
def test_a_read_only_user_cannot_write(reader, index):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    method, url, body = requests()[index]
    before = dump()
    response = send(client, method, url, body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert dump() == before


def test_a_read_only_user_reads(reader):
    client = APIClient()
    client.force_authenticate(reader)
    assert client.get("/api/v1/claims/").status_code == 200


def test_a_wrong_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_browser_session_writes_with_its_csrf_token(curator):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(curator)
    body = {"name": "Session Writer", "kind": "person"}
    refused = browser.post("/api/v1/actors/", body, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "CSRF Failed: CSRF cookie not set."

    browser.get("/admin/")  # any page that renders a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/v1/actors/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert accepted.json()["slug"] == "session-writer"


def test_a_token_client_needs_no_csrf(curator_api):
    curator_api.handler.enforce_csrf_checks = True
    response = curator_api.post("/api/v1/actors/", {"name": "Script", "kind": "person"})
    assert response.status_code == 201


def browsable_form(browser, url: str, index: int) -> tuple[str, dict[str, str]]:
    """The action and fields (with their values) of the page's ``index``-th POST form."""
    page = browser.get(url, HTTP_ACCEPT="text/html").content.decode()
    forms = re.findall(r'<form action="([^"]+)" method="POST"[^>]*>(.*?)</form>', page, re.S)
    action, form = forms[index]
    fields = dict.fromkeys(re.findall(r'<(?:input|textarea)[^>]*name="([^"]+)"', form), "")
    fields.update(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    return action, fields


def test_a_curator_submits_the_browsable_apis_form(curator):
    """Issue 19: the form's csrfmiddlewaretoken was an "Unknown field", so no form could pass."""
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(User.objects.get(username="curie"))
    action, fields = browsable_form(browser, "/api/v1/events/", 0)
    assert set(fields) == {"csrfmiddlewaretoken", "slug", "title", "summary", "date", "location"}
    fields.update(title="Posted from the form", date="2022-07")  # the slug left blank
    response = browser.post(action, fields, HTTP_ACCEPT="text/html")  # multipart, as a browser
    assert response.status_code == 201, response.content
    event = Event.objects.get(slug="posted-from-the-form")
    assert (event.title, event.date, event.history.get().history_user) == (
        "Posted from the form", "2022-07", curator,
    )  # fmt: skip


def test_the_raw_data_form_posts_its_json(curator):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(User.objects.get(username="curie"))
    action, fields = browsable_form(browser, "/api/v1/events/", 1)
    assert set(fields) == {"_content"}  # and the select of _content_type; its page's script
    # sends the CSRF token in a header
    csrf = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    fields["_content_type"] = "application/json"
    fields["_content"] = '{"title": "Raw", "date": "2022", "tags": ["summit"]}'
    response = browser.post(action, fields, format="multipart", **csrf)
    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["summit"]
    fields["_content"] = '{"title": '
    response = browser.post(action, fields, format="multipart", **csrf)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["_content"]


def test_a_form_without_its_csrf_token_is_refused(curator):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(User.objects.get(username="curie"))
    action, fields = browsable_form(browser, "/api/v1/events/", 0)
    del fields["csrfmiddlewaretoken"]
    fields.update(title="Forged", date="2022")
    assert browser.post(action, fields).status_code == 403
    assert not Event.objects.filter(title="Forged").exists()


def client_with(*codenames):
    """A token client for a staff user holding only these permissions."""
    user = User.objects.create_user(f"partial-{'-'.join(codenames)}", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


EVENT = "matsegora-tass-interview-2020"


@pytest.mark.parametrize(
    ("body", "field", "permission"),
    [
        ({"tags": ["brand-new-tag"]}, "tags", "tracker.add_tag"),
        ({"actors": ["tass"]}, "actors", "tracker.add_eventactor tracker.delete_eventactor"),
        ({"actors": []}, "actors", "tracker.delete_eventactor"),
    ],
)
def test_changing_an_event_does_not_change_its_links_without_their_permissions(
    body, field, permission
):
    """Issue 19: change_event alone created tags and rewrote participations."""
    client = client_with("change_event")
    event = Event.objects.get(slug=EVENT)
    before = dump()
    response = send(client, "patch", f"/api/v1/events/{event.pk}/", body)
    assert response.status_code == 403
    assert response.json()["errors"][field] == [
        f"You do not have the permission {perm} this change needs." for perm in permission.split()
    ]
    assert dump() == before


def test_change_event_alone_may_pick_existing_tags_and_send_back_what_it_read():
    client = client_with("change_event")
    event = Event.objects.get(slug=EVENT)
    url = f"/api/v1/events/{event.pk}/"
    read = APIClient().get(url).json()
    response = send(client, "put", url, {**read, "actors": [
        {"actor": actor["slug"], "role": actor["role"]} for actor in read["actors"]
    ]})  # fmt: skip
    assert response.status_code == 200, response.json()
    response = send(client, "patch", url, {"tags": ["summit"], "title": "Renamed"})
    assert response.status_code == 200, response.json()
    assert response.json()["tags"] == ["summit"]


def test_with_the_links_permissions_the_same_change_passes():
    client = client_with("change_event", "add_tag", "add_eventactor", "delete_eventactor")
    event = Event.objects.get(slug=EVENT)
    body = {"tags": ["brand-new-tag"], "actors": ["tass"]}
    response = send(client, "patch", f"/api/v1/events/{event.pk}/", body)
    assert response.status_code == 200, response.json()
    assert [actor["slug"] for actor in response.json()["actors"]] == ["tass"]


def test_changing_a_claim_does_not_relate_it_without_the_relations_permissions():
    """Issue 19: change_claim alone created relations (and an entry on the other claim)."""
    unrelated = Claim.objects.filter(relations_out__isnull=True, relations_in__isnull=True)
    claim = unrelated.order_by("pk").first()
    other = unrelated.exclude(pk=claim.pk).order_by("pk").first()
    body = {"relations": [{"type": "supports", "claim": other.pk, "direction": "incoming"}]}
    before = dump()
    response = send(client_with("change_claim"), "patch", f"/api/v1/claims/{claim.pk}/", body)
    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "code": "permission_denied",
        "detail": "You do not have permission to change some of the linked records.",
        "errors": {
            "relations": [
                "You do not have the permission tracker.add_claimrelation this change needs."
            ]
        },
    }
    assert dump() == before
    allowed = client_with("change_claim", "add_claimrelation")
    assert send(allowed, "patch", f"/api/v1/claims/{claim.pk}/", body).status_code == 200
    # Taking it away again deletes the relation, which needs its own permission.
    refused = send(allowed, "patch", f"/api/v1/claims/{claim.pk}/", {"relations": []})
    assert refused.status_code == 403
    assert list(refused.json()["errors"]) == ["relations"]


def test_a_claim_created_with_relations_needs_their_add_permission():
    claim = Claim.objects.get(slug=CLAIM)
    body = {
        "text": "x", "claimant": "tass", "source": claim.source_id, "stated": "2020",
        "relations": [{"type": "supports", "claim": claim.pk}],
    }  # fmt: skip
    client = client_with("add_claim")
    response = send(client, "post", "/api/v1/claims/", body)
    assert response.status_code == 403
    assert list(response.json()["errors"]) == ["relations"]
    body["relations"] = []
    assert send(client, "post", "/api/v1/claims/", body).status_code == 201
