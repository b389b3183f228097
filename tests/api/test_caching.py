"""HTTP caching: validators on every read, 304s for current copies, any write moves them; CORS."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.utils.http import http_date

from tests.factories import ActorFactory, TagFactory
from tracker import record_version
from tracker.api.conditional import etag_for
from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    Event,
    EventActor,
    RecordVersion,
    Source,
    Tag,
)

pytestmark = pytest.mark.django_db

PAST = datetime.datetime(2024, 5, 6, 7, 8, 9, 500000, tzinfo=datetime.UTC)
PAST_HTTP = "Mon, 06 May 2024 07:08:09 GMT"

LISTS_AND_STATS = [
    "/api/v1/events/?date_from=2022-07",
    "/api/v1/claims/",
    "/api/v1/actors/?kind=person",
    "/api/v1/sources/",
    "/api/v1/events/?format=csv",
    "/api/v1/stats/timeline/?bucket=month",
    "/api/v1/stats/actors/",
    "/api/v1/stats/sources/?by=publisher",
    "/api/v1/stats/claims/?format=csv",
]


def details():
    return [
        f"/api/v1/events/{Event.objects.get(slug='vladivostok-summit-2019').pk}/",
        f"/api/v1/claims/{Claim.objects.order_by('id').first().pk}/",
        f"/api/v1/actors/{Actor.objects.get(slug='alexander-matsegora').pk}/",
        f"/api/v1/sources/{Source.objects.order_by('id').first().pk}/",
    ]


@pytest.fixture
def settled():
    """The last write well in the past, so Last-Modified is sent (see tracker/api/caching.py)."""
    RecordVersion.objects.update(changed=PAST)


def read(api, url, **headers):
    response = api.get(url, **headers)
    if response.streaming:  # read the export to its end, as a client would
        response.body = b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("url", LISTS_AND_STATS)
def test_lists_and_stats_carry_validators_and_cache_headers(api, settled, url):
    response = read(api, url)
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"') and len(response["ETag"]) == 36
    assert response["Last-Modified"] == PAST_HTTP
    assert response["Cache-Control"] == "public, max-age=30, must-revalidate"
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("url", LISTS_AND_STATS)
def test_a_current_copy_of_a_list_costs_one_query_and_no_body(
    api, settled, django_assert_num_queries, url
):
    first = read(api, url)
    with django_assert_num_queries(1):  # the record version, nothing else
        again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    for header in ("ETag", "Last-Modified", "Cache-Control"):
        assert again[header] == first[header]
    with django_assert_num_queries(1):
        assert api.get(url, HTTP_IF_MODIFIED_SINCE=PAST_HTTP).status_code == 304


def test_the_tag_differs_by_url_and_by_representation(api):
    tags = {
        read(api, url)["ETag"]
        for url in [
            "/api/v1/events/",
            "/api/v1/events/?page=2&page_size=10",
            "/api/v1/events/?format=csv",
            "/api/v1/claims/",
            "/api/v1/stats/claims/?by=status",
        ]
    }
    assert len(tags) == 5
    # Same URL, another representation (negotiated by Accept): another tag.
    json_tag = read(api, "/api/v1/events/")["ETag"]
    assert read(api, "/api/v1/events/", HTTP_ACCEPT="text/csv")["ETag"] != json_tag
    assert read(api, "/api/v1/events/")["ETag"] == json_tag  # and stable while nothing changes


def test_a_detail_etag_is_the_hash_of_its_representation(api, settled):
    for url in details():
        response = api.get(url)
        assert response["ETag"] == etag_for(response.json(), "http://testserver")
        assert response["Last-Modified"] == PAST_HTTP
        assert response["Cache-Control"] == "public, max-age=30, must-revalidate"
        again = api.get(url, HTTP_IF_NONE_MATCH=f'"other", {response["ETag"]}')
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == response["ETag"]
        assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"HTTP_IF_NONE_MATCH": "*"}, 304),
        ({"HTTP_IF_NONE_MATCH": '"not-it"'}, 200),
        ({"HTTP_IF_MODIFIED_SINCE": PAST_HTTP}, 304),
        ({"HTTP_IF_MODIFIED_SINCE": "Mon, 06 May 2024 07:08:08 GMT"}, 200),
        ({"HTTP_IF_MODIFIED_SINCE": "Tue, 07 May 2024 00:00:00 GMT"}, 304),
        ({"HTTP_IF_MODIFIED_SINCE": "yesterday"}, 200),  # not a date: ignored
        ({"HTTP_IF_MODIFIED_SINCE": http_date(4102444800)}, 200),  # 2100: ignored
        # If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2)
        ({"HTTP_IF_NONE_MATCH": '"not-it"', "HTTP_IF_MODIFIED_SINCE": PAST_HTTP}, 200),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/events/", "detail"])
def test_conditional_request_rules(api, settled, headers, status, url):
    url = details()[0] if url == "detail" else url
    assert api.get(url, **headers).status_code == status


def test_head_is_answered_like_get(api, settled):
    response = api.head("/api/v1/stats/sources/")
    assert response.status_code == 200
    assert response["ETag"] == api.get("/api/v1/stats/sources/")["ETag"]
    assert (
        api.head("/api/v1/stats/sources/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    )


def test_last_modified_waits_until_the_second_of_the_last_write_is_over(api):
    # HTTP dates have one-second resolution: a Last-Modified handed out during the second of a
    # write could not be moved by a second write in that same second, so none is sent yet.
    RecordVersion.objects.update(changed=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))
    response = api.get("/api/v1/events/")
    assert response.status_code == 200 and "ETag" in response
    assert "Last-Modified" not in response
    assert api.get("/api/v1/events/", HTTP_IF_MODIFIED_SINCE=PAST_HTTP).status_code == 200


WRITES = {
    "edit an event": lambda: Event.objects.filter(slug="vladivostok-summit-2019").update(
        title="Changed"
    ),
    "save an actor": lambda: Actor.objects.get(slug="alexander-matsegora").save(),
    "delete a relation": lambda: ClaimRelation.objects.order_by("id").first().delete(),
    "tag an event": lambda: Event.objects.get(slug="vladivostok-summit-2019").tags.add(
        TagFactory(slug="new-tag")
    ),
    "untag an event": lambda: Event.objects.get(slug="vladivostok-summit-2019").tags.clear(),
    "change a role": lambda: EventActor.objects.filter(pk=EventActor.objects.first().pk).update(
        role="host"
    ),
    "unlink a claim": lambda: Claim.objects.order_by("id").first().events.clear(),
    "bulk insert": lambda: Tag.objects.bulk_create(
        [Tag(slug=f"bulk-{n}", name="b") for n in range(3)]
    ),
    "delete an actor": lambda: ActorFactory().delete(),
    "edit a source": lambda: Source.objects.update(notes="Edited."),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_any_write_changes_the_validators(api, settled, write):
    urls = ["/api/v1/events/", "/api/v1/stats/actors/?format=csv"]
    before = {url: read(api, url)["ETag"] for url in urls}
    WRITES[write]()
    for url in urls:
        response = read(api, url, HTTP_IF_NONE_MATCH=before[url])
        assert response.status_code == 200, (write, url)
        assert response["ETag"] != before[url]
        assert read(api, url, HTTP_IF_MODIFIED_SINCE=PAST_HTTP).status_code == 200
    assert RecordVersion.objects.get().changed > PAST


def test_a_change_to_an_embedded_claim_changes_the_event_detail_etag(api):
    url = details()[0]
    before = api.get(url)["ETag"]
    claim = (
        Claim.objects.filter(events__slug="vladivostok-summit-2019").first()
        or Claim.objects.first()
    )
    claim.events.add(Event.objects.get(slug="vladivostok-summit-2019"))
    Claim.objects.filter(pk=claim.pk).update(status="disputed")
    response = api.get(url, HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] == etag_for(response.json(), "http://testserver") != before


def test_every_table_of_the_record_is_watched():
    """A model added to the app needs its triggers (tracker.record_version.install)."""
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("tracker").get_models(include_auto_created=True)
        if model is not RecordVersion
    }
    assert record_version.watched_tables(connection) == tables


def test_the_browsable_api_is_not_cached(api):
    response = api.get("/api/v1/events/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert "ETag" not in response and "Cache-Control" not in response


def test_errors_are_not_cached(api):
    response = api.get("/api/v1/events/?date_from=nope")
    assert response.status_code == 400
    assert "ETag" not in response and "Cache-Control" not in response


# -------------------------------------------------------------------------------------- CORS


def test_no_origin_is_allowed_by_default(api):
    response = api.get("/api/v1/events/", HTTP_ORIGIN="https://dash.example.org")
    assert "Access-Control-Allow-Origin" not in response


def test_listed_origins_may_read_the_api(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dash.example.org"]
    response = api.get("/api/v1/stats/timeline/", HTTP_ORIGIN="https://dash.example.org")
    assert response["Access-Control-Allow-Origin"] == "https://dash.example.org"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"content-disposition", "etag", "last-modified"}
    other = api.get("/api/v1/stats/timeline/", HTTP_ORIGIN="https://elsewhere.example.org")
    assert "Access-Control-Allow-Origin" not in other
    preflight = api.options(
        "/api/v1/events/",
        HTTP_ORIGIN="https://dash.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in api.get(
        "/admin/login/", HTTP_ORIGIN="https://dash.example.org"
    )


def test_an_etag_set_by_the_view_is_kept(settled):
    """A view may tag its own representation (writes do, for If-Match); the mixin keeps it."""
    from rest_framework.test import APIRequestFactory

    from tracker.api.views import EventViewSet

    class TaggingEventViewSet(EventViewSet):
        def retrieve(self, request, *args, **kwargs):
            response = super().retrieve(request, *args, **kwargs)
            response["ETag"] = '"tagged-by-the-view"'
            return response

    view = TaggingEventViewSet.as_view({"get": "retrieve"})
    pk = Event.objects.get(slug="vladivostok-summit-2019").pk
    factory = APIRequestFactory()
    response = view(factory.get(f"/api/v1/events/{pk}/"), pk=pk)
    assert response.status_code == 200
    assert response["ETag"] == '"tagged-by-the-view"'
    assert response["Last-Modified"] == PAST_HTTP
    again = view(
        factory.get(f"/api/v1/events/{pk}/", HTTP_IF_NONE_MATCH='"tagged-by-the-view"'), pk=pk
    )
    assert again.status_code == 304


# ------------------------------------------------------------------- with the write API


def test_a_write_through_the_api_changes_every_validator(api, curator_api, settled):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    detail = f"/api/v1/events/{event.pk}/"
    urls = ["/api/v1/events/", "/api/v1/stats/timeline/?bucket=month", detail]
    before = {url: api.get(url)["ETag"] for url in urls}
    response = curator_api.patch(
        detail, {"title": "A new title"}, format="json", HTTP_IF_MATCH=before[detail]
    )
    assert response.status_code == 200
    for url in urls:
        again = api.get(url, HTTP_IF_NONE_MATCH=before[url])
        assert again.status_code == 200, url
        assert again["ETag"] != before[url]
    assert api.get(detail)["ETag"] == response["ETag"]  # the tag the write answered with


def test_a_records_history_is_cached_and_json_only(api, settled):
    url = f"/api/v1/actors/{Actor.objects.get(slug='ri-son-gwon').pk}/history/"
    response = api.get(url)
    assert response.status_code == 200 and response["ETag"].startswith('W/"')
    assert api.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert api.get(f"{url}?format=csv").status_code == 400  # no such format here
    assert api.get(url, HTTP_ACCEPT="text/csv").status_code == 406


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_an_api_write_locks_the_version_before_the_record(curator_api):
    """Writers must queue on the version row holding no other lock (tracker.record_version):
    the version row is locked before the record's row is."""
    from django.test.utils import CaptureQueriesContext

    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    etag = curator_api.get(url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = curator_api.patch(
            url, {"status": "disputed", "rationale": "Checked."}, format="json", HTTP_IF_MATCH=etag
        )
    assert response.status_code == 200
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert "tracker_recordversion" in locks[0]
    assert '"tracker_claim"' in locks[1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/?date_from=2022",
        "/api/v1/claims/?format=csv",
        "/api/v1/stats/timeline/",
        "detail",
    ],
)
def test_the_etag_does_not_depend_on_the_host(api, settings, path):
    """Two names of the same site (both in ALLOWED_HOSTS): the same resource, the same ETag,
    and a 304 for a tag read under the other name; the body's own addresses do differ."""
    settings.ALLOWED_HOSTS = ["tracker.example.org", "localhost"]
    if path == "detail":
        path = f"/api/v1/claims/{Claim.objects.order_by('pk').first().pk}/"
    first = api.get(path, HTTP_HOST="tracker.example.org")
    second = api.get(path, HTTP_HOST="localhost")
    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"]
    assert api.get(path, HTTP_HOST="localhost", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    if path.startswith("/api/v1/claims/") and "format" not in path:
        assert first.json()["url"].startswith("http://tracker.example.org/")
        assert second.json()["url"].startswith("http://localhost/")


def test_a_write_under_another_host_name_accepts_the_etag_read_under_the_first(
    curator_api, settings
):
    settings.ALLOWED_HOSTS = ["tracker.example.org", "localhost"]
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    etag = curator_api.get(url, HTTP_HOST="tracker.example.org")["ETag"]
    response = curator_api.patch(
        url,
        {"status": "disputed", "rationale": "Checked."},
        format="json",
        HTTP_HOST="localhost",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == curator_api.get(url, HTTP_HOST="tracker.example.org")["ETag"]
