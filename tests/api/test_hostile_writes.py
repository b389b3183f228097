"""Hostile and malformed writes on every write endpoint: always a 4xx in the JSON error shape,
naming the field at fault where there is one, never a 500, and the database exactly as it was
(records, links and history alike)."""

from __future__ import annotations

import json

import pytest

from tests.records import snapshot
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db

# Each kind's stored record to change, and a free-text field and a date field of its body.
KINDS = {
    "events": (Event, "vladivostok-summit-2019", "title", "date"),
    "claims": (Claim, "matsegora-trade-at-lows-2020", "text", "stated"),
    "actors": (Actor, "alexander-matsegora", "name", None),
    "sources": (Source, "tass-2020-02-07-matsegora-interview", "title", "published"),
}
# A valid body to create one of each kind: a hostile change to it is then the only fault.
CREATE = {
    "events": {"slug": "hostile-event", "title": "T", "date": "2020"},
    "claims": {
        "slug": "hostile-claim", "text": "T", "claimant": "alexander-matsegora",
        "source": "tass-2020-02-07-matsegora-interview", "stated": "2020",
    },
    "actors": {"slug": "hostile-actor", "name": "N", "kind": "person"},
    "sources": {"slug": "hostile-source", "title": "T", "published": "2020", "text": "Text."},
}  # fmt: skip
REFERENCES = {
    "events": ("actors", ["no-such-actor"]),  # (a new tag slug creates the tag, by design)
    "claims": ("claimant", "no-such-actor"),
    "actors": ("affiliation", "no-such-actor"),
    "sources": ("publisher", "no-such-actor"),
}


def bodies(kind: str) -> list[tuple[str, object, str | None]]:
    """(what, JSON body or raw bytes, the field the 400 must name or None for the whole body)."""
    _, _, text, date = KINDS[kind]
    reference, missing = REFERENCES[kind]
    cases = [
        ("malformed JSON", b'{"title": "unterminated', None),
        ("not an object", b'["a", "list"]', "non_field_errors"),
        ("a bare string", b'"text"', "non_field_errors"),
        ("a number for text", {text: 42}, text),
        ("a list for text", {text: ["a"]}, text),
        ("an object for text", {text: {"a": 1}}, text),
        ("NUL in text", {text: "a\x00b"}, text),
        ("NUL in a slug", {"slug": "a\x00b"}, "slug"),
        ("a slug of SQL", {"slug": "x'; DROP TABLE tracker_claim; --"}, "slug"),
        ("a slug of script", {"slug": "<script>alert(1)</script>"}, "slug"),
        ("a huge slug", {"slug": "s" * 10_000}, "slug"),
        ("an unknown field", {"stauts": "disputed"}, "stauts"),
        ("a missing reference", {reference: missing}, reference),
    ]
    if kind != "claims":  # a claim's text has no length limit; the others' do
        cases.append(("a huge text", {text: "x" * 100_000}, text))
    if date:
        cases += [
            ("an impossible date", {date: "2022-02-30"}, date),
            ("a date of SQL", {date: "2022' OR '1'='1"}, date),
            ("a date for a number", {date: 2022}, date),
        ]
    return cases


CASES = [(kind, *case) for kind in KINDS for case in bodies(kind)]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize(
    ("kind", "what", "body", "field"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES]
)
def test_hostile_writes_are_a_400_and_change_nothing(curator_api, method, kind, what, body, field):
    curator_api.raise_request_exception = False
    model, slug, _, _ = KINDS[kind]
    url = f"/api/v1/{kind}/"
    headers = {}
    if method == "PATCH":
        url += f"{model.objects.get(slug=slug).pk}/"
        headers["HTTP_IF_MATCH"] = curator_api.get(url)["ETag"]
    if isinstance(body, dict) and method == "POST":
        body = {**CREATE[kind], **body}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    before = snapshot()
    response = curator_api.generic(method, url, raw, content_type="application/json", **headers)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert (answer["status"], set(answer)) == (400, {"status", "code", "detail", "errors"})
    if field is None:
        assert answer["code"] == "parse_error"
        assert answer["detail"].startswith("JSON parse error")
    else:  # the field, or an item of it ("actors[0].actor")
        assert {name.split("[")[0] for name in answer["errors"]} == {field}, answer
    assert snapshot() == before


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_body_over_the_limit_is_a_413_and_changes_nothing(curator_api, settings, kind):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    body = json.dumps({KINDS[kind][2]: "x" * 20_000})
    response = curator_api.post(f"/api/v1/{kind}/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert snapshot() == before


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_valid_bodies_of_the_table_are_accepted(curator_api, kind):
    """The table's base bodies are valid, so each case's 400 is due to its change alone."""
    assert curator_api.post(f"/api/v1/{kind}/", CREATE[kind], format="json").status_code == 201


def test_what_a_client_read_may_be_sent_back(curator_api):
    """Unknown fields are refused, but the read representation's own names are not unknown."""
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    read = curator_api.get(url)
    body = {**read.json(), "status": "disputed", "rationale": "Doubted."}
    body["claimant"], body["source"] = body["claimant"]["slug"], body["source"]["slug"]
    body["relations"] = []
    response = curator_api.put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "disputed"


def test_sql_and_script_in_free_text_are_stored_as_text(curator_api):
    """Free text may say anything; it is stored and served as given, and runs nowhere."""
    actor = Actor.objects.get(slug="alexander-matsegora")
    url = f"/api/v1/actors/{actor.pk}/"
    etag = curator_api.get(url)["ETag"]
    fragment = "<script>alert(1)</script> '; DROP TABLE tracker_actor; --"
    response = curator_api.patch(url, {"title": fragment}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert curator_api.get(url).json()["title"] == fragment
    assert Actor.objects.count() == 56


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"name": 42}, {"name": ["Not a valid string: got a number."]}),
        ({"kind": 1.5}, {"kind": ['"1.5" is not a valid choice.']}),
        ({"stauts": "x", "aliasses": []}, {
            "aliasses": ["Unknown field: this API does not take it."],
            "stauts": ["Unknown field: this API does not take it."],
        }),
    ],
)  # fmt: skip
def test_numbers_for_text_and_unknown_fields_are_refused_by_name(curator_api, change, errors):
    response = curator_api.post("/api/v1/actors/", {**CREATE["actors"], **change}, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_is_a_400_that_says_so(curator_api, opening):
    """Issue 19: 2 KB of brackets made the decoder recurse until it failed (a 500)."""
    closing = "]" if opening == "[" else "}"
    before = snapshot()
    response = curator_api.post(
        "/api/v1/events/",
        opening * 2000 + closing * 2000,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "parse_error",
        "detail": "JSON parse error - the body nests arrays and objects more than 32 levels deep.",
        "errors": {},
    }
    assert snapshot() == before


def test_nesting_is_counted_outside_strings_and_up_to_the_limit(curator_api, settings):
    brackets = '[{\\"}]' + "[" * 250  # text: neither nests the body
    body = {"title": brackets, "date": "2020", "tags": [], "actors": [[[[[]]]]]}
    response = curator_api.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["actors[0].non_field_errors"]
    settings.MAX_JSON_DEPTH = 5
    response = curator_api.post("/api/v1/events/", body, format="json")
    assert response.json()["code"] == "parse_error"
