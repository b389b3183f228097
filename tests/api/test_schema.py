"""The OpenAPI document: generated without warnings, valid against the OpenAPI 3 spec."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import resolve
from openapi_spec_validator import validate
from rest_framework.fields import ChoiceField, IntegerField, empty

from tracker.api import stats

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
    # events and claims the ecosystem's formats (tracker/api/formats/); every read takes as_of
    # (tracker/api/as_of.py), and every list (and the stats over events and claims) ?state= (the
    # review state).
    listed = path.startswith(
        ("/api/v1/events", "/api/v1/claims", "/api/v1/actors", "/api/v1/sources")
    )
    stated = listed or path in ("/api/v1/stats/timeline/", "/api/v1/stats/claims/")
    expected = names | {"format", "as_of"} | ({"state"} if stated else set())
    assert set(parameters(schema, path)) == expected
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


@pytest.mark.parametrize(
    ("path", "parameters_class"),
    [
        ("/api/v1/stats/timeline/", stats.TimelineParameters),
        ("/api/v1/stats/actors/", stats.ActorStatsParameters),
        ("/api/v1/stats/sources/", stats.SourceStatsParameters),
        ("/api/v1/stats/claims/", stats.ClaimStatsParameters),
    ],
)
def test_stats_parameters_are_documented_from_the_serializer_that_validates_them(
    schema, path, parameters_class
):
    """Each field of the view's parameters serializer is a query parameter: a choice lists
    exactly the field's choices, a default is the field's, a limit is a positive integer."""
    assert resolve(path).func.view_class.parameters_class is parameters_class
    documented = parameters(schema, path)
    for name, field in parameters_class().fields.items():
        parameter = documented[name]
        assert not parameter.get("required", False), name
        expected = {}
        if isinstance(field, ChoiceField):
            expected = {"type": "string", "enum": sorted(field.choices)}
        elif isinstance(field, IntegerField):
            expected = {"type": "integer", "minimum": field.min_value}
        if field.default is not empty and not callable(field.default):
            expected["default"] = field.default
        found = dict(parameter["schema"])
        if "enum" in found:
            found["enum"] = sorted(found["enum"])
        assert found == expected, name
        assert parameter["description"].startswith(field.help_text), name


@pytest.mark.parametrize(
    ("path", "name", "schema_"),
    [
        ("/api/v1/stats/timeline/", "bucket",
         {"type": "string", "enum": ["year", "month"], "default": "year"}),
        ("/api/v1/stats/actors/", "kind",
         {"type": "string", "enum": ["person", "state", "organisation", "media"]}),
        ("/api/v1/stats/actors/", "rank",
         {"type": "string", "enum": ["total", "events", "claims"], "default": "total"}),
        ("/api/v1/stats/actors/", "limit", {"type": "integer", "minimum": 1}),
        ("/api/v1/stats/sources/", "by",
         {"type": "string", "enum": ["source", "publisher"], "default": "source"}),
        ("/api/v1/stats/claims/", "by",
         {"type": "string", "enum": ["year", "month", "status", "kind"], "default": "year"}),
    ],
)  # fmt: skip
def test_stats_parameter_schemas(schema, path, name, schema_):
    assert parameters(schema, path)[name]["schema"] == schema_
    assert parameters(schema, path)[name]["allowEmptyValue"] is True  # empty: the default


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


RECORD_READS = tuple(
    f"/api/v1/{name}/" for name in ("events", "claims", "actors", "sources", "stats")
)


def test_as_of_is_described_on_every_read_but_history(schema):
    """Every read of the record (lists, details, stats) takes as_of; a history does not."""
    checked = 0
    for path, operations in schema["paths"].items():
        if "get" not in operations or not path.startswith(RECORD_READS):
            continue
        names = {p["name"] for p in operations["get"].get("parameters", [])}
        assert ("as_of" in names) == (not path.endswith("/history/")), path
        checked += 1
    assert checked == 16  # 4 lists, 4 details, 4 histories, 4 stats
