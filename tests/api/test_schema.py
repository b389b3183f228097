"""The OpenAPI document: generated without warnings, valid against the OpenAPI 3 spec."""

import re

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", file=str(path), validate=True, fail_on_warn=True)
    return yaml.safe_load(path.read_text())


def test_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def parameters(schema, path):
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (
            "/api/v1/events/",
            {
                "date_from",
                "date_to",
                "actor",
                "tag",
                "precision",
                "attested",
                "claim_kind",
                "q",
                "ordering",
                "page",
                "page_size",
            },
        ),
        (
            "/api/v1/claims/",
            {
                "claimant",
                "source",
                "event",
                "status",
                "kind",
                "stated_from",
                "stated_to",
                "q",
                "ordering",
                "page",
                "page_size",
            },
        ),
        ("/api/v1/actors/", {"kind", "wikidata", "q", "ordering", "page", "page_size"}),
        ("/api/v1/sources/", {"publisher", "q", "ordering", "page", "page_size"}),
        (
            "/api/v1/stats/timeline/",
            {
                "bucket",
                "date_from",
                "date_to",
                "actor",
                "tag",
                "precision",
                "attested",
                "q",
                "ordering",
            },
        ),
        ("/api/v1/stats/actors/", {"kind", "rank", "limit"}),
        ("/api/v1/stats/sources/", {"by", "limit"}),
        (
            "/api/v1/stats/claims/",
            {
                "by",
                "claimant",
                "source",
                "event",
                "status",
                "kind",
                "stated_from",
                "stated_to",
                "q",
                "ordering",
            },
        ),  # fmt: skip
    ],
)
def test_every_parameter_is_described(schema, path, names):
    # Every list and stats endpoint also takes ?format=json|csv (tracker/api/exports.py), and
    # events and claims the ecosystem's formats (tracker/api/formats/).
    assert set(parameters(schema, path)) == names | {"format"}
    formats = ["csv", "json", *OTHER_FORMATS.get(path, [])]
    assert sorted(parameters(schema, path)["format"]["schema"]["enum"]) == sorted(formats)


OTHER_FORMATS = {
    "/api/v1/events/": ["geojson", "ics", "timelinejs"],
    "/api/v1/claims/": ["annotations", "jsonld"],
}


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        ("/api/v1/events/", "precision", ["day", "month", "year"]),
        ("/api/v1/claims/", "status", ["corroborated", "disputed", "refuted", "unverified"]),
        ("/api/v1/actors/", "kind", ["media", "organisation", "person", "state"]),
        ("/api/v1/stats/timeline/", "bucket", ["month", "year"]),
        ("/api/v1/stats/actors/", "rank", ["claims", "events", "total"]),
        ("/api/v1/stats/sources/", "by", ["publisher", "source"]),
        ("/api/v1/stats/claims/", "by", ["kind", "month", "status", "year"]),
    ],
)
def test_enums(schema, path, name, values):
    assert sorted(parameters(schema, path)[name]["schema"]["enum"]) == values


def test_event_response_shape(schema):
    event = schema["components"]["schemas"]["Event"]["properties"]
    assert {"id", "url", "slug", "title", "summary", "date", "date_start", "date_end",
            "date_precision", "location", "actors", "tags", "claims"} <= set(event)  # fmt: skip


def test_docs_are_served_without_internet(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert not re.search(r"(src|href)=\"https?://", html)  # every asset is served from here
    assert client.get("/api/schema/").status_code == 200


def test_relation_types_include_repeats(schema):
    """A claim that quotes the same words as a claim of another source `repeats` it."""
    enums = [
        sorted(component["properties"]["type"]["enum"])
        for name, component in schema["components"]["schemas"].items()
        if "Relation" in name and "enum" in component.get("properties", {}).get("type", {})
    ]
    enums += [
        sorted(component["enum"])
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("TypeEnum") and "supports" in component.get("enum", [])
    ]
    assert enums and all(values == ["contradicts", "repeats", "supports"] for values in enums)
