"""Places and Wikidata ids: the model's rules, the location rule, the fixtures and the admin."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tracker.models import Actor, Event, Place
from tracker.places import place_for_location

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLACES = json.loads((FIXTURES / "places.json").read_text())
ACTOR_IDS = json.loads((FIXTURES / "actor_wikidata.json").read_text())


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.5), ("latitude", -91), ("longitude", 180.1), ("longitude", -181),
     ("wikidata", "959"), ("wikidata", "Q0959"), ("wikidata", "q959")],
)  # fmt: skip
def test_a_place_out_of_range_or_with_a_bad_id_is_refused(field, value):
    place = Place(slug="somewhere", name="Somewhere", latitude=1, longitude=1)
    setattr(place, field, value)
    with pytest.raises(ValidationError) as error:
        place.full_clean()
    assert field in error.value.message_dict


def test_an_actor_with_a_bad_wikidata_id_is_refused():
    actor = Actor.objects.get(slug="vladimir-putin")
    actor.wikidata = "Putin"
    with pytest.raises(ValidationError) as error:
        actor.full_clean()
    assert error.value.message_dict == {
        "wikidata": ["A Wikidata id is Q and a number, e.g. Q7747."]
    }


@pytest.mark.parametrize(
    ("location", "slug"),
    [
        ("Vladivostok, Russia", "vladivostok"),
        ("Mansudae Assembly Hall, Pyongyang, North Korea", "pyongyang"),
        ("  seoul ,  South Korea", "seoul"),
        ("Russia", "russia"),
        ("Somewhere else", None),
        ("", None),
    ],
)
def test_a_location_names_its_most_specific_place(location, slug):
    place = place_for_location(location, Place.objects.all())
    assert (place.slug if place else None) == slug


def test_every_place_of_the_fixture_is_valid_and_loaded():
    assert Place.objects.count() == len(PLACES)
    for entry in PLACES:
        place = Place.objects.get(slug=entry["fields"]["slug"])
        place.full_clean()
        assert (place.latitude, place.longitude) == (
            entry["fields"]["latitude"], entry["fields"]["longitude"],
        )  # fmt: skip


def test_every_event_whose_location_names_a_place_has_it():
    places = list(Place.objects.all())
    located = Event.objects.exclude(location="").select_related("place")
    assert located.exists()
    for event in located:
        assert event.place == place_for_location(event.location, places), event.slug
    # The record's events name these; every one is on the map.
    assert {e.place.slug for e in located if e.place} >= {"vladivostok", "seoul", "moscow"}
    assert not [e.slug for e in located if e.place is None]


def test_the_actors_carry_the_wikidata_ids_of_the_list():
    assert dict(Actor.objects.exclude(wikidata="").values_list("slug", "wikidata")) == ACTOR_IDS
    assert Actor.objects.get(slug="kim-jong-un").wikidata == "Q56226"


def test_loading_again_keeps_the_links_and_records_nothing():
    before = (Event.history.count(), Actor.history.count())
    call_command("loaddata", "places", "record", verbosity=0)
    assert (Event.history.count(), Actor.history.count()) == before
    assert Event.objects.get(slug="vladivostok-summit-2019").place.slug == "vladivostok"


def test_reloading_the_record_puts_an_event_where_its_location_says():
    event = Event.objects.get(slug="vladivostok-summit-2019")
    event.place = Place.objects.get(slug="russia")
    event.save()
    call_command("loaddata", "record", verbosity=0)
    # The record gives no place (its value is empty), so the loader fills it from the location,
    # as on a first load: until the record carries places, the record's location decides.
    assert Event.objects.get(pk=event.pk).place.slug == "vladivostok"


@pytest.fixture
def admin_client(client, curator):
    client.force_login(curator)
    return client


def test_the_admin_links_actors_and_places_to_wikidata(admin_client):
    response = admin_client.get("/admin/tracker/actor/?q=putin")
    assert response.status_code == 200
    assert b'href="https://www.wikidata.org/wiki/Q7747"' in response.content
    response = admin_client.get("/admin/tracker/place/")
    assert response.status_code == 200
    assert b'href="https://www.wikidata.org/wiki/Q959"' in response.content


def test_a_curator_adds_a_place_and_puts_an_event_there(admin_client):
    response = admin_client.post(
        "/admin/tracker/place/add/",
        {"slug": "vostochny", "name": "Vostochny Cosmodrome", "latitude": "51.884",
         "longitude": "128.334", "wikidata": "", "geonames": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    assert Place.objects.get(slug="vostochny").wikidata == ""
    response = admin_client.post(
        "/admin/tracker/place/add/",
        {"slug": "nowhere", "name": "Nowhere", "latitude": "95", "longitude": "0"},
    )
    assert response.status_code == 200 and not Place.objects.filter(slug="nowhere").exists()
