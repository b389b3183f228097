"""Repeat reads and stats from the cache keyed by the record version (tracker.api.record_cache):
an unchanged record's answer comes back after the version's one query, and any write, through
the API, the ORM or raw SQL, makes the next read fresh. Also served by two gunicorn workers."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.test_writes import detail, write
from tests.factories import ClaimFactory, EventFactory
from tracker.api import record_cache
from tracker.models import Claim, Event

pytestmark = pytest.mark.django_db

SITE_WORKERS = 2  # the served tests: two gunicorn workers (tests/api/conftest.py)
VERSION_READ = 1
EVENTS = "/api/v1/events/?date_from=2019&date_to=2019-12"


def test_a_repeat_read_is_the_same_answer_after_one_query(api, django_assert_num_queries):
    first = api.get(EVENTS)
    assert first.status_code == 200 and first.json()["count"] > 0
    with django_assert_num_queries(VERSION_READ):
        again = api.get(EVENTS)
    assert again.status_code == 200
    assert again.content == first.content
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary"):
        assert again[header] == first[header], header
    # Last-Modified is left out while the second of the last write is not over (caching.py), so
    # two reads either side of that second's end may differ in having it, never in its value.
    if first.has_header("Last-Modified") and again.has_header("Last-Modified"):
        assert again["Last-Modified"] == first["Last-Modified"]


@pytest.mark.parametrize(
    "change",
    [
        lambda event: Event.objects.filter(pk=event.pk).update(title="Renamed by the ORM"),
        lambda event: _raw_sql(
            "UPDATE tracker_event SET title = 'Renamed by raw SQL' WHERE id = %s", [event.pk]
        ),
        lambda event: ClaimFactory(events=[event], text="One more claim about it"),
        lambda event: event.tags.clear(),
    ],
    ids=["orm-update", "raw-sql", "new-claim", "link-removed"],
)
def test_any_write_makes_the_next_read_fresh(api, change):
    event = EventFactory(slug="e-cached", title="Cached", date="1902-05", tags=["t-cache"])
    url = "/api/v1/events/?date_from=1902&date_to=1902"
    before = api.get(url).json()
    assert api.get(url).json() == before  # from the cache
    change(event)
    after = api.get(url).json()
    (row,) = [row for row in after["results"] if row["slug"] == "e-cached"]
    assert after != before
    assert row == api.get(f"/api/v1/events/{event.pk}/", HTTP_CACHE_CONTROL="no-cache").json()


def _raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_write_through_the_api_makes_the_next_read_fresh(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/?claimant={claim.claimant.slug}"
    assert APIClient().get(url).json() == APIClient().get(url).json()
    etag = detail(curator_api, "claims", claim.pk)["ETag"]
    body = {"text": "Trade sits at record lows, he said."}
    assert write(curator_api, "patch", f"/api/v1/claims/{claim.pk}/", body, etag).status_code == 200
    rows = APIClient().get(url).json()["results"]
    assert next(row for row in rows if row["slug"] == claim.slug)["text"] == body["text"]


STATS = [
    "/api/v1/stats/timeline/?bucket=year",
    "/api/v1/stats/timeline/?bucket=month&date_from=1902",
    "/api/v1/stats/actors/?limit=5",
    "/api/v1/stats/sources/?by=publisher",
    "/api/v1/stats/sources/?by=source&limit=3",
    "/api/v1/stats/claims/?by=status",
    "/api/v1/stats/claims/?by=year&status=unverified",
]


@pytest.mark.parametrize("url", STATS)
def test_stats_are_computed_once_per_record_version(api, django_assert_num_queries, url):
    rows = api.get(url).json()
    # The CSV of the same rows is another response, but not another computation.
    with django_assert_num_queries(VERSION_READ):
        csv = api.get(url, HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200 and len(csv.content.splitlines()) == len(rows) + 1
    with django_assert_num_queries(VERSION_READ):
        assert api.get(url, HTTP_CACHE_CONTROL="no-cache").json() == rows  # fresh, same rows


@pytest.mark.parametrize("url", STATS)
def test_stats_are_never_stale_after_a_write(api, url):
    before = api.get(url).json()
    speaker = ClaimFactory(stated="1902-05-01").claimant  # a new actor, source, claim
    event = EventFactory(slug="e-stats", date="1902-05", actors=[speaker])
    ClaimFactory(claimant=speaker, events=[event], stated="1902-05-02", status="unverified")
    fresh = api.get(url, HTTP_CACHE_CONTROL="no-cache").json()
    record_cache_cleared = APIClient().get(url).json()
    assert fresh == record_cache_cleared
    if "limit=3" not in url and "limit=5" not in url:  # rankings may leave the new rows out
        assert fresh != before


def test_each_signed_in_user_and_the_public_have_their_own_answers(api, curator_api):
    public = api.get(EVENTS)
    with CaptureQueriesContext(connection) as computed:
        curator_first = curator_api.get(EVENTS)
    with CaptureQueriesContext(connection) as kept:
        curator_again = curator_api.get(EVENTS)
    # The curator's first read was computed, not the public's answer; their second is their
    # own, kept: authentication and the version only, none of the page's queries.
    assert len(computed) >= len(kept) + 5
    assert not any("tracker_event" in query["sql"] for query in kept.captured_queries)
    assert curator_again.content == curator_first.content == public.content


def test_visibility_names_the_public_and_each_user(rf, curator, reader):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert record_cache.visibility(request) == "public"
    request.user = curator
    assert record_cache.visibility(request) == f"curator:{curator.pk}"
    request.user = reader  # signed in, but no curator: sees what the public sees
    assert record_cache.visibility(request) == "public"


def test_a_no_cache_request_is_computed_afresh(api):
    first = api.get(EVENTS)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(EVENTS, HTTP_CACHE_CONTROL="no-cache").content == first.content
    assert any("tracker_event" in query["sql"] for query in captured.captured_queries)


def test_an_answer_computed_afresh_is_kept_once(api, monkeypatch):
    """Kept when none is (the first computation, or ``no-cache`` before any), not stored again
    when one is: the same read of the same record version is answered the same."""
    from django.core.cache import caches

    cache = caches["records"]
    stored = []
    set_ = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, *args, **kwargs: (stored.append(key), set_(key, *args, **kwargs))
    )
    fresh = api.get(EVENTS, HTTP_CACHE_CONTROL="no-cache")
    assert len(stored) == 1
    assert api.get(EVENTS, HTTP_CACHE_CONTROL="no-cache").content == fresh.content
    assert api.get(EVENTS).content == fresh.content  # the kept answer
    assert len(stored) == 1


def test_each_host_name_has_its_own_answers(api, settings):
    """The answers hold absolute addresses: they are kept per origin."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    here = api.get(EVENTS).json()
    there = api.get(EVENTS, HTTP_HOST="other.example").json()
    assert here["results"][0]["url"].startswith("http://testserver/")
    assert there["results"][0]["url"].startswith("http://other.example/")


def test_the_response_cache_can_be_switched_off(api, settings):
    settings.API_RESPONSE_CACHE = False
    api.get(EVENTS)
    with CaptureQueriesContext(connection) as captured:
        api.get(EVENTS)
    assert any("tracker_event" in query["sql"] for query in captured.captured_queries)


def test_errors_are_not_kept(api, django_assert_num_queries):
    assert api.get("/api/v1/events/999999/").status_code == 404
    with django_assert_num_queries(2):  # the version, the lookup again
        assert api.get("/api/v1/events/999999/").status_code == 404


# ------------------------------------------------------------------- two gunicorn workers


@pytest.mark.server
@pytest.mark.parametrize(
    "site",
    ["sqlite_site", pytest.param("postgresql_site", marks=pytest.mark.django_db(transaction=True))],
)
def test_two_workers_answer_fresh_after_a_write(request, site):
    """Each worker keeps its own answers (no REDIS_URL): a write through one must still make
    the next read of either fresh."""
    server, token = request.getfixturevalue(site)
    listing = "/api/v1/claims/?claimant=alexander-matsegora&page_size=200"
    stats = "/api/v1/stats/claims/?by=status"

    def get(path: str) -> dict:
        status, _, content = server.request("GET", path)
        assert status == 200, content[:300]
        return json.loads(content)

    claim = next(
        row for row in get(listing)["results"] if row["slug"] == "matsegora-trade-at-lows-2020"
    )
    counts = {row["status"]: row["claims"] for row in get(stats)}
    for _ in range(6):  # enough requests that both workers have kept both answers
        assert get(stats) == get(stats)
        get(listing)
    url = f"/api/v1/claims/{claim['id']}/"
    status, headers, _ = server.request("GET", url)
    new_status = "refuted" if claim["status"] != "refuted" else "disputed"
    status, _, content = server.request(
        "PATCH",
        url,
        {"status": new_status, "rationale": "Checked.", "notes": "Marked by the cache test."},
        {"Authorization": f"Token {token}", "If-Match": headers["etag"]},
    )
    assert status == 200, content[:300]
    expected = {
        **counts,
        claim["status"]: counts[claim["status"]] - 1,
        new_status: counts[new_status] + 1,
    }
    for _ in range(6):
        rows = get(listing)["results"]
        assert next(row for row in rows if row["id"] == claim["id"])["status"] == new_status
        assert {row["status"]: row["claims"] for row in get(stats)} == expected


def test_the_keys_hold_a_digest_of_the_code(api, monkeypatch, django_assert_num_queries):
    """A deployment that changes the code does not get the answers of the code before it."""
    api.get(EVENTS)
    monkeypatch.setattr(record_cache, "code_fingerprint", lambda: "another deployment")
    with CaptureQueriesContext(connection) as computed:
        api.get(EVENTS)
    assert any("tracker_event" in query["sql"] for query in computed.captured_queries)
