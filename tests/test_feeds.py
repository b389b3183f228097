"""The Atom feed of changes, /feeds/changes.atom: newest first, each entry the record's API link,
as the user who asks may see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tracker import services
from tracker.models import Actor, Change

pytestmark = pytest.mark.django_db

URL = "/feeds/changes.atom"
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    return [
        {
            "id": entry.findtext(f"{ATOM}id"),
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_feed_lists_the_newest_changes_first_linking_each_record(client, settings):
    settings.CHANGES_FEED_ENTRIES = 5
    actor = Actor.objects.get(slug="russia")
    services.actor_update(actor=actor, data={"title": "Russian Federation"})
    shown = entries(client.get(URL))
    newest = list(Change.objects.order_by("-id")[:5])
    assert [entry["id"] for entry in shown] == [
        f"http://testserver/api/v1/changes/#change-{change.id}" for change in newest
    ]
    assert shown[0] == {
        "id": f"http://testserver/api/v1/changes/#change-{newest[0].id}",
        "title": "actor russia updated",
        "link": f"http://testserver/api/v1/actors/{actor.pk}/",
        "updated": newest[0].time.isoformat(),
        "categories": ["actor", "updated"],
    }
    updated = [entry["updated"] for entry in shown]
    assert updated == sorted(updated, reverse=True)


def test_an_anonymous_reader_sees_no_draft_a_curator_does(client, curator):
    services.actor_create(name="Quiet Draft", kind="person")
    assert "actor quiet-draft created" not in {entry["title"] for entry in entries(client.get(URL))}
    client.force_login(curator)
    response = client.get(URL)
    assert entries(response)[0]["title"] == "actor quiet-draft created"
    assert response["Cache-Control"] == "private, max-age=30, must-revalidate"


def test_the_feed_is_validated_like_the_api(client):
    first = client.get(URL)
    assert first["Cache-Control"] == "public, max-age=30, must-revalidate"
    assert "Cookie" in first["Vary"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    services.actor_update(actor=Actor.objects.get(slug="china"), data={"title": "PRC"})
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_poll_of_an_unchanged_feed_costs_one_query(client, django_assert_num_queries):
    etag = client.get(URL)["ETag"]
    with django_assert_num_queries(1):
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_assert_num_queries(2):  # the record version, the entries
        client.get(URL)
