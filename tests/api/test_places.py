"""Places and Wikidata ids over the API: read, filtered, written; bad input a 400, nothing saved."""

import pytest

from tests.api.test_writes import detail, dump, write
from tracker.models import Actor, Event, Place

pytestmark = pytest.mark.django_db


def test_actors_by_wikidata_id(api):
    body = api.get("/api/v1/actors/?wikidata=Q56226").json()
    assert [actor["slug"] for actor in body["results"]] == ["kim-jong-un"]
    assert body["results"][0]["wikidata"] == "Q56226"
    assert api.get("/api/v1/actors/?wikidata=Q1").json()["count"] == 0
    without = Actor.objects.filter(wikidata="").first()
    assert api.get(f"/api/v1/actors/{without.pk}/").json()["wikidata"] is None


@pytest.mark.parametrize("value", ["7747", "Q", "Q07747", "q7747", "Q77 47", "wd:Q7747"])
def test_a_malformed_wikidata_id_is_a_400(api, value):
    response = api.get("/api/v1/actors/", {"wikidata": value})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "wikidata": ["A Wikidata id is Q and a number, e.g. Q7747."]
    }


def test_a_curator_sets_and_clears_an_actors_wikidata_id(curator_api):
    actor = Actor.objects.get(slug="alexander-matsegora")
    etag = detail(curator_api, "actors", actor.pk)["ETag"]
    response = write(
        curator_api, "patch", f"/api/v1/actors/{actor.pk}/", {"wikidata": "Q123456789"}, etag
    )
    assert response.status_code == 200, response.json()
    assert response.json()["wikidata"] == "Q123456789"
    response = write(
        curator_api, "patch", f"/api/v1/actors/{actor.pk}/", {"wikidata": None}, response["ETag"]
    )
    assert response.json()["wikidata"] is None
    assert Actor.objects.get(pk=actor.pk).wikidata == ""


@pytest.mark.parametrize("value", ["Putin", "", 7747, "Q1 Q2"])
def test_a_bad_wikidata_id_is_refused_and_nothing_changes(curator_api, value):
    actor = Actor.objects.get(slug="vladimir-putin")
    before = dump()
    etag = detail(curator_api, "actors", actor.pk)["ETag"]
    response = write(curator_api, "patch", f"/api/v1/actors/{actor.pk}/", {"wikidata": value}, etag)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["wikidata"]
    assert dump() == before


def test_a_curator_puts_an_event_at_a_place(curator_api):
    body = {"title": "Kim visits Vostochny", "date": "2023-09-13", "place": "vladivostok"}
    response = write(curator_api, "post", "/api/v1/events/", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["place"]["slug"] == "vladivostok" and created["location"] == ""
    etag = response["ETag"]
    response = write(curator_api, "patch", created["url"], {"place": None}, etag)
    assert response.status_code == 200 and response.json()["place"] is None
    place = Place.objects.get(slug="moscow")
    response = write(curator_api, "patch", created["url"], {"place": place.pk}, response["ETag"])
    assert response.json()["place"]["name"] == "Moscow"
    changes = curator_api.get(f"{created['url']}history/").json()["results"][0]["changes"]
    assert [change["field"] for change in changes] == ["place"]


@pytest.mark.parametrize(
    ("value", "message"),
    [("atlantis", "No place has the slug 'atlantis'."), (999999, "No place has the id 999999.")],
)
def test_an_unknown_place_is_refused_and_nothing_changes(curator_api, value, message):
    event = Event.objects.get(slug="vladivostok-summit-2019")
    before = dump()
    etag = detail(curator_api, "events", event.pk)["ETag"]
    response = write(curator_api, "patch", f"/api/v1/events/{event.pk}/", {"place": value}, etag)
    assert response.status_code == 400
    assert response.json()["errors"] == {"place": [message]}
    assert dump() == before
