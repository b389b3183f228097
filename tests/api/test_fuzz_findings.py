"""What fuzzing the API from its schema found, each fixed at its root and pinned here: the
OpenAPI document now says what the API does, and the API does what the document says."""

import pytest

from tests.api.responses import slugs
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


def parameter(schema, path, name):
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_pages_are_documented_as_positive(schema, name):
    assert parameter(schema, "/api/v1/events/", name)["schema"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        # 403: a reader asking for ?state=draft (the curators' own).
        ("/api/v1/events/", {"200", "400", "403", "404", "414", "429"}),
        ("/api/v1/events/{id}/", {"200", "400", "404", "414", "429"}),  # as_of
        ("/api/v1/stats/timeline/", {"200", "400", "403", "414", "429"}),
    ],
)
def test_error_responses_are_documented_in_the_error_shape(schema, path, codes):
    responses = schema["paths"][path]["get"]["responses"]
    assert set(responses) == codes
    for code in codes - {"200"}:
        body = responses[code]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"status", "code", "detail", "errors"}


def test_reading_is_documented_as_needing_no_credentials(schema):
    for path, operations in schema["paths"].items():
        assert {} in operations["get"]["security"], path


def test_an_empty_parameter_is_documented_as_allowed(schema, api):
    for name in ("kind", "q", "ordering", "page"):
        assert parameter(schema, "/api/v1/actors/", name)["allowEmptyValue"] is True
    assert api.get("/api/v1/actors/?kind=&q=&ordering=&page=&page_size=").json()["count"] == 56


@pytest.mark.parametrize(
    ("component", "field"),
    [("SourceBrief", "url"), ("Source", "document_url"), ("SourceDetail", "document_url")],
)
def test_a_document_address_may_be_null(schema, api, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True
    source = api.get("/api/v1/sources/?q=doubled").json()["results"][0]
    assert source["document_url"] is None


def test_the_search_is_documented_with_its_limits(schema, api):
    assert parameter(schema, "/api/v1/claims/", "q")["schema"] == {
        "type": "string", "maxLength": 200, "pattern": r"^[^\x00]*$",
    }  # fmt: skip
    # The length is counted as given, as the document counts it: spaces too.
    response = api.get("/api/v1/claims/?q=" + " " * 195 + "trade1")
    assert response.json()["errors"] == {
        "q": ["Ensure this value has at most 200 characters (it has 201)."]
    }
    assert api.get("/api/v1/claims/?q=" + " " * 190 + "trade").json()["count"] > 0


def test_references_are_documented_as_slugs(schema):
    assert parameter(schema, "/api/v1/events/", "actor")["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"


@pytest.fixture
def same_day_events():
    return [
        EventFactory(slug="x-b-day", title="B", date="1899-05-02"),
        EventFactory(slug="x-a-month", title="A", date="1899-05"),
        EventFactory(slug="x-c-day", title="C", date="1899-05-01"),
        EventFactory(slug="x-a-day", title="A", date="1899-05-02"),
    ]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        # Several keys, comma-separated, as the document says ordering is a list: each applies.
        ("title,-date", ["x-a-day", "x-a-month", "x-b-day", "x-c-day"]),
        ("title,date", ["x-a-month", "x-a-day", "x-b-day", "x-c-day"]),
        ("-date,-title", ["x-b-day", "x-a-day", "x-a-month", "x-c-day"]),
        ("-date", ["x-a-day", "x-b-day", "x-a-month", "x-c-day"]),
    ],
)
def test_events_take_several_ordering_keys(api, same_day_events, ordering, expected):
    url = f"/api/v1/events/?date_from=1899&date_to=1899&ordering={ordering}"
    assert slugs(api.get(url)) == expected


@pytest.mark.parametrize("ordering", [",", ",date", "title,", ",,,"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/",
        "/api/v1/claims/",
        "/api/v1/actors/",
        "/api/v1/sources/",
        "/api/v1/stats/timeline/",
    ],
)
def test_an_empty_ordering_key_is_refused(api, path, ordering):
    response = api.get(f"{path}?ordering={ordering}")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "ordering": ["An ordering key is empty: give keys separated by commas, e.g. -date,title."]
    }


def test_claims_take_several_ordering_keys(api):
    by_date_then_newest = slugs(api.get("/api/v1/claims/?ordering=stated,-id&page_size=200"))
    by_date = api.get("/api/v1/claims/?ordering=stated&page_size=200").json()["results"]
    expected = [c["slug"] for c in sorted(by_date, key=lambda c: (c["stated_start"], -c["id"]))]
    assert by_date_then_newest == expected


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/claims/", "claimant"), ("/api/v1/claims/", "source"), ("/api/v1/events/", "place")],
)
def test_a_reference_holding_a_nul_is_a_400_not_a_database_error(curator_api, path, field):
    # Found on PostgreSQL (which cannot compare text holding NUL): a 500 before.
    response = curator_api.post(path, {field: "a\x00b"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == ["Null characters are not allowed."]
