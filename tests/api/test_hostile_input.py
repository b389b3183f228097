"""Hostile and malformed input on every read endpoint and query parameter: always an answer in
JSON (200 for a harmless value, 400 naming the parameter otherwise), never a 500, nothing changed.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.apps import apps

from tracker.api.as_of import MomentField

pytestmark = pytest.mark.django_db

# Every list and its query parameters, each with the kind of value it takes.
PARAMETERS = {
    "/api/v1/events/": {
        "date_from": "window", "date_to": "window", "actor": "actor", "tag": "tag",
        "precision": "choice", "attested": "boolean", "claim_kind": "choice", "q": "text",
        "ordering": "choice", "page": "page", "page_size": "page", "state": "choice", "format": "format:events",
    },
    "/api/v1/claims/": {
        "claimant": "actor", "source": "source", "event": "event", "status": "choice",
        "kind": "choice",
        "stated_from": "window", "stated_to": "window", "q": "text", "ordering": "choice",
        "page": "page", "page_size": "page", "state": "choice", "format": "format:claims",
    },
    "/api/v1/actors/": {
        "kind": "choice", "wikidata": "wikidata", "q": "text", "ordering": "choice", "state": "choice", "page": "page", "page_size": "page",
        "format": "format",
    },
    "/api/v1/sources/": {
        "publisher": "actor", "q": "text", "ordering": "choice", "page": "page",
        "page_size": "page", "state": "choice", "format": "format",
    },
    "/api/v1/stats/timeline/": {
        "bucket": "choice", "date_from": "window", "date_to": "window", "actor": "actor",
        "tag": "tag", "precision": "choice", "attested": "boolean", "q": "text", "ordering": "choice", "state": "choice", "format": "format",
    },
    "/api/v1/stats/actors/": {"kind": "choice", "rank": "choice", "limit": "limit", "format": "format"},
    "/api/v1/stats/sources/": {"by": "choice", "limit": "limit", "format": "format"},
    "/api/v1/stats/claims/": {
        "by": "choice", "claimant": "actor", "event": "event", "source": "source",
        "status": "choice", "kind": "choice", "stated_from": "window", "stated_to": "window", "q": "text",
        "ordering": "choice", "state": "choice", "format": "format",
    },
}  # fmt: skip
# Every read of the record takes as_of (tracker/api/as_of.py).
for path, names in PARAMETERS.items():
    if path.startswith(("/api/v1/events/", "/api/v1/claims/", "/api/v1/actors/")) or (
        path.startswith(("/api/v1/sources/", "/api/v1/stats/"))
    ):
        names["as_of"] = "moment"

HOSTILE = [
    "\x00",  # NUL: PostgreSQL cannot even compare a text with it
    "a\x00b",
    "\x01\x1b[31m\x7f",  # control characters, a terminal escape
    "\u202eevil",  # right-to-left override
    "Пхеньян 😀",  # not ASCII
    "x" * 1500,  # long, though under the query-string limit
    "' OR 1=1 --",
    "1; DROP TABLE tracker_claim; --",
    '" OR ""="',
    "<script>alert(1)</script>",
    "%",  # a LIKE wildcard, and a %-format directive
    "%(value)s %s",
    "_",
    "\\",
    "2022-02-30",  # impossible dates
    "2022-13",
    "0000",
    "99999999999999999999",
    "-1",
    "1e3",
    "null",
    "[]",
]

# Fragments that must find nothing: they are searched for as text, never run.
INJECTIONS = {
    "' OR 1=1 --",
    "1; DROP TABLE tracker_claim; --",
    '" OR ""="',
    "<script>alert(1)</script>",
    "[]",
}

TABLES = [model._meta.label for model in apps.get_app_config("tracker").get_models()]


def _row_counts():
    return {label: apps.get_model(label)._default_manager.count() for label in TABLES}


# The formats each list answers besides JSON (tracker/api/formats/).
FORMATS = {
    "format": "api, csv, json",
    "format:events": "api, csv, geojson, ics, json, timelinejs",
    "format:claims": "annotations, api, csv, json, jsonld",
}


def expected_error(kind: str, value: str) -> str | None:
    """The message a 400 gives for ``value`` in a parameter of ``kind``; None when it is harmless."""
    shown = value.strip()
    if kind == "text":
        if "\x00" in value:
            return "Null characters are not allowed."
        if len(value) > 200:
            return f"Ensure this value has at most 200 characters (it has {len(shown)})."
        return None
    if kind in {"actor", "tag", "source", "event"}:
        if "\x00" in value:
            return "Null characters are not allowed."
        return f"No {kind} has the slug '{value}'."
    if kind == "choice":
        return f"Select a valid choice. {value} is not one of the available choices."
    if kind == "boolean":
        return None if shown.lower() in {"true", "false", "1", "0"} else "Give true or false."
    if kind.startswith("format"):
        return f"'{value[:40]}' is not a format of this resource: use one of {FORMATS[kind]}."
    if kind == "wikidata":
        if "\x00" in value:
            return "Null characters are not allowed."
        return "A Wikidata id is Q and a number, e.g. Q7747."
    if kind == "limit":
        if value.strip().lstrip("-").isdigit():
            return None if int(value) >= 1 else "Ensure this value is greater than or equal to 1."
        return "Enter a whole number."
    if kind == "page":
        if value.isdigit() and int(value) >= 1:
            return None
        return f"'{value[:40]}' is not a positive whole number."
    if kind == "moment":
        if shown == "2022-02-30":
            return "'2022-02-30' is not a real moment (day is out of range for month)."
        return MomentField.default_error_messages["invalid"]
    assert kind == "window"
    real_date_errors = {
        "2022-02-30": "day is out of range for month",
        "2022-13": "month must be in 1..12",
        "0000": "year 0 is out of range",
    }
    if shown in real_date_errors:
        return f"'{shown}' is not a real date ({real_date_errors[shown]})."
    return f"'{shown}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD."


@pytest.mark.parametrize(
    ("path", "parameter", "kind"),
    [(path, name, kind) for path, names in PARAMETERS.items() for name, kind in names.items()],
)
def test_hostile_values_are_a_400_naming_the_parameter_or_harmless(api, path, parameter, kind):
    api.raise_request_exception = False  # a server error must show as a 500, not as a raise
    before = _row_counts()
    total = api.get(path).json()
    total = total["count"] if isinstance(total, dict) else None
    for value in HOSTILE:
        response = api.get(f"{path}?{parameter}={quote(value, safe='')}")
        assert response["Content-Type"] == "application/json", (value, response.status_code)
        body = response.json()
        message = expected_error(kind, value)
        if parameter == "page" and message is None:  # a whole number past the last page
            assert (response.status_code, body["detail"]) == (404, "Invalid page."), value
        elif message is None:
            assert response.status_code == 200, (value, body)
            if total is None:  # a stats endpoint: a list of rows
                assert isinstance(body, list), value
            elif value in INJECTIONS:
                assert body["count"] == len(body["results"]) == 0, value
            elif value in {"%", "_"}:  # searched as a character, not as a wildcard
                assert body["count"] < total, value
        else:
            assert response.status_code == 400, (value, body)
            assert body == {
                "status": 400,
                "code": "invalid",
                "detail": "Invalid input.",
                "errors": {parameter: [message]},
            }, value
    assert _row_counts() == before


DETAILS = ["/api/v1/events/", "/api/v1/claims/", "/api/v1/actors/", "/api/v1/sources/"]


@pytest.mark.parametrize("path", DETAILS)
@pytest.mark.parametrize(
    ("key", "detail"),
    [
        ("0", None),
        ("-1", None),
        ("99999999999999999999", None),  # beyond a 64-bit integer
        ("9223372036854775808", None),
        ("abc", "Not found."),
        ("%00", "Not found."),
        ("1%00", "Not found."),
        ("%27%20OR%201=1--", "Not found."),
        ("%ff", "Not found."),
        ("1.5", "Not found."),
        ("<script>", "Not found."),
    ],
)
def test_hostile_ids_are_a_json_404(api, path, key, detail):
    api.raise_request_exception = False
    response = api.get(f"{path}{key}/")
    model = path.split("/")[3][:-1].capitalize()
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": detail or f"No {model} matches the given query.",
        "errors": {},
    }


@pytest.mark.parametrize(
    ("query", "status", "errors"),
    [
        # A repeated parameter counts once: its last value.
        ("actor=russia&actor=nobody", 400, {"actor": ["No actor has the slug 'nobody'."]}),
        ("actor=nobody&actor=russia", 200, None),
        ("date_from=zz&date_from=2022", 200, None),
        ("q=%00&q=summit", 200, None),
        ("q=summit&q=%00", 400, {"q": ["Null characters are not allowed."]}),
        # Bytes that are not UTF-8 become U+FFFD, which matches nothing.
        ("q=%ff", 200, None),
        ("q=%ED%A0%80", 200, None),
        ("actor=%ff", 400, {"actor": ["No actor has the slug '\ufffd'."]}),
        # Parameters the endpoint does not take are refused, each named: a misspelt filter
        # must never answer the unfiltered list.
        (
            "%ff=1&q[]=1&format_=x",
            400,
            {
                name: [
                    "Unknown parameter: this endpoint does not take it (see the OpenAPI "
                    "document for the ones it does)."
                ]
                for name in ("\ufffd", "format_", "q[]")
            },
        ),
        # A value with %-format directives is shown as given.
        (
            "date_from=%25(x)s%25",
            400,
            {"date_from": ["'%(x)s%' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD."]},
        ),
    ],
)
def test_repeated_undecodable_and_unknown_parameters(api, query, status, errors):
    response = api.get(f"/api/v1/events/?{query}")
    assert response.status_code == status
    if errors:
        assert response.json()["errors"] == errors
    else:
        assert "results" in response.json()


def test_every_list_parameter_of_the_schema_is_in_the_table(api):
    schema = api.get("/api/schema/?format=json").json()
    for path, names in PARAMETERS.items():
        documented = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert documented == set(names), path
