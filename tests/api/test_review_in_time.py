"""The workflow, as_of and the change feed together: one claim walked from draft to published by
two curators through the API, seen at each step by an anonymous reader three ways: the lists,
the record as of a moment, and a copy kept from the change feed."""

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from tests.records import listed
from tracker import as_of

pytestmark = pytest.mark.django_db

FEED = "/api/v1/changes/"
READER_STATES = ("published", "retracted")
CLAIM = {
    "text": "Trade with the Far East fell, the ambassador said.",
    "quote": "That is why, we are still losing here to Chinese partners.",
    "claimant": "alexander-matsegora",
    "source": "tass-2020-02-07-matsegora-interview",
    "stated": "2020-02-07",
    "status": "disputed",
    "events": ["matsegora-tass-interview-2020"],
}


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    as_of.forget_all()
    yield
    as_of.forget_all()


def moment() -> str:
    """Now, as an as_of parameter; the clock moves on past it before the next write."""
    now = timezone.now()
    while timezone.now() <= now + datetime.timedelta(milliseconds=2):
        pass
    return "as_of=" + quote(now.isoformat())


def write(client, url, body):
    etag = client.get(url)["ETag"]
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    return response.json()


class FeedCopy:
    """What a reader keeps from the change feed: (kind, id) -> slug, resumed from its cursor."""

    def __init__(self, client):
        self.client, self.copy, self.url = client, {}, FEED

    def follow(self) -> set[tuple[str, str]]:
        while True:
            body = self.client.get(self.url).json()
            for change in body["results"]:
                key = (change["kind"], change["id"])
                if change["type"] == "deleted" or change["state"] not in READER_STATES:
                    self.copy.pop(key, None)
                else:
                    self.copy[key] = change["slug"]
            self.url = body["next"]
            if not body["more"]:
                return {(kind, slug) for (kind, _), slug in self.copy.items()}


def test_readers_see_a_claim_only_once_published_now_in_the_past_and_in_the_feed(
    api, curator_api, reviewer_api
):
    feed = FeedCopy(api)
    assert feed.follow() == listed(api)

    created = curator_api.post("/api/v1/claims/", CLAIM, format="json")
    assert created.status_code == 201, created.json()
    slug, url = created.json()["slug"], created.json()["url"]
    drafted = moment()
    write(curator_api, url, {"state": "in_review"})
    in_review = moment()
    # Neither the lists, nor the feed, nor any past moment show the claim to a reader.
    assert ("claim", slug) not in listed(api)
    assert feed.follow() == listed(api)
    assert api.get(f"{url}?{drafted}").status_code == 404
    assert api.get(f"{url}?{in_review}").status_code == 404

    write(reviewer_api, url, {"state": "published"})
    published = moment()
    assert ("claim", slug) in listed(api)
    assert feed.follow() == listed(api)
    assert api.get(f"{url}?{in_review}").status_code == 404
    assert api.get(f"{url}?{published}").json()["text"] == CLAIM["text"]

    # A content edit of the published claim is live; the moment before it keeps the old text.
    write(curator_api, url, {"text": "Trade with the Far East fell by half."})
    edited = moment()
    assert api.get(f"{url}?{published}").json()["text"] == CLAIM["text"]
    assert api.get(f"{url}?{edited}").json()["text"] == "Trade with the Far East fell by half."
    assert api.get(url).json()["text"] == "Trade with the Far East fell by half."
    assert feed.follow() == listed(api)

    # Retracted, it stays readable with its reason; the feed copy keeps it too.
    reason = "The interview was misquoted."
    write(curator_api, url, {"state": "retracted", "rationale": reason})
    shown = api.get(url).json()
    assert (shown["state"], shown["state_rationale"]) == ("retracted", reason)
    assert api.get(f"{url}?{moment()}").json()["state"] == "retracted"
    assert api.get(f"{url}?{published}").json()["state"] == "published"
    assert feed.follow() == listed(api)
    assert ("claim", slug) in listed(api)
