"""Bad input is a 400 naming the parameter; a missing object a 404; always the same JSON shape."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        (
            "/api/v1/events/?date_from=2022-02-30",
            "date_from",
            "'2022-02-30' is not a real date (day is out of range for month).",
        ),
        (
            "/api/v1/events/?date_to=2022-13",
            "date_to",
            "'2022-13' is not a real date (month must be in 1..12).",
        ),
        (
            "/api/v1/events/?date_from=July",
            "date_from",
            "'July' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.",
        ),
        (
            "/api/v1/events/?precision=week",
            "precision",
            "Select a valid choice. week is not one of the available choices.",
        ),
        ("/api/v1/events/?actor=nobody", "actor", "No actor has the slug 'nobody'."),
        ("/api/v1/events/?tag=nothing", "tag", "No tag has the slug 'nothing'."),
        (
            "/api/v1/events/?ordering=summary",
            "ordering",
            "Select a valid choice. summary is not one of the available choices.",
        ),
        ("/api/v1/events/?page_size=0", "page_size", "'0' is not a positive whole number."),
        ("/api/v1/events/?page=two", "page", "'two' is not a positive whole number."),
        (
            "/api/v1/claims/?status=false",
            "status",
            "Select a valid choice. false is not one of the available choices.",
        ),
        (
            "/api/v1/claims/?stated_from=2022-00",
            "stated_from",
            "'2022-00' is not a real date (month must be in 1..12).",
        ),
        ("/api/v1/claims/?claimant=nobody", "claimant", "No actor has the slug 'nobody'."),
        ("/api/v1/claims/?source=nowhere", "source", "No source has the slug 'nowhere'."),
        ("/api/v1/claims/?event=never", "event", "No event has the slug 'never'."),
        (
            "/api/v1/actors/?kind=alien",
            "kind",
            "Select a valid choice. alien is not one of the available choices.",
        ),
        ("/api/v1/sources/?publisher=nobody", "publisher", "No actor has the slug 'nobody'."),
        (
            "/api/v1/stats/timeline/?bucket=week",
            "bucket",
            "Select a valid choice. week is not one of the available choices.",
        ),
        (
            "/api/v1/stats/timeline/?date_from=2022-02-30",
            "date_from",
            "'2022-02-30' is not a real date (day is out of range for month).",
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, url, parameter, message):
    response = api.get(url)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {parameter: [message]},
    }


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/api/v1/events/", "date,-date,title,-title"),
        ("/api/v1/claims/", "stated,-stated,id,-id"),
        ("/api/v1/actors/", "name,-name,id,-id"),
        ("/api/v1/sources/", "published,-published,title,-title"),
        ("/api/v1/stats/timeline/", "date,-date,title,-title"),
        ("/api/v1/stats/claims/", "stated,-stated,id,-id"),
    ],
)
@pytest.mark.parametrize("bad", ["summary", "-summary", "DATE", "date_start", "--id"])
def test_an_ordering_key_a_list_does_not_offer_is_a_400_naming_ordering(api, path, keys, bad):
    """Every key it offers is taken (alone and after another); any other is named, never
    ignored, so a typo cannot pass for the default order."""
    for key in keys.split(","):
        assert api.get(f"{path}?ordering={key}").status_code == 200, key
    response = api.get(f"{path}?ordering={keys.split(',')[0]},{bad}")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {
            "ordering": [f"Select a valid choice. {bad} is not one of the available choices."]
        },
    }


def test_several_bad_parameters_are_named_together(api):
    response = api.get("/api/v1/events/?date_from=2022-13&precision=week")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"date_from", "precision"}


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/events/999999/", "No Event matches the given query."),
        ("/api/v1/claims/999999/", "No Claim matches the given query."),
        ("/api/v1/actors/999999/", "No Actor matches the given query."),
        ("/api/v1/sources/999999/", "No Source matches the given query."),
        ("/api/v1/events/?page=999", "Invalid page."),
        ("/api/v1/nothing-here/", "Not found."),
    ],
)
def test_missing_is_a_json_404(api, url, detail):
    response = api.get(url)
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": detail, "errors": {}}


def test_a_large_page_size_is_capped_quietly(api):
    response = api.get("/api/v1/claims/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(200, response.json()["count"])


def test_writes_are_refused_to_anonymous_clients(api):
    response = api.post("/api/v1/events/", {"title": "x"}, format="json")
    assert response.status_code in (401, 403, 405)
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/events/?stauts=disputed", "stauts"),
        ("/api/v1/events/?date_form=2022", "date_form"),
        ("/api/v1/claims/?kind=report&claimnt=tass", "claimnt"),
        ("/api/v1/actors/?wikidata_id=Q1", "wikidata_id"),
        ("/api/v1/sources/?publisher=tass&author=Lee", "author"),
        ("/api/v1/events/1/?claims=none", "claims"),
        ("/api/v1/stats/timeline/?bucket=year&bukcet=month", "bukcet"),
        ("/api/v1/stats/claims/?by=kind&group=status", "group"),
        ("/api/v1/stats/actors/?sort=claims", "sort"),
        ("/api/v1/claims/1/history/?as_of=2022", "as_of"),
        ("/api/v1/events/?format=csv&dateto=2022", "dateto"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(api, url, parameter):
    """A misspelt filter must never answer the unfiltered list as if it had been applied."""
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {
        parameter: [
            "Unknown parameter: this endpoint does not take it (see the OpenAPI document for "
            "the ones it does)."
        ]
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?attested=false&claim_kind=report&page=1&page_size=5&format=json",
        "/api/v1/claims/?kind=report&status=unverified&ordering=-stated",
        "/api/v1/stats/claims/?by=kind&kind=report",
        "/api/v1/claims/1/history/?page=1&page_size=5",
    ],
)
def test_every_documented_parameter_is_known(api, url):
    assert api.get(url).status_code == 200
