"""The timeline page's server-rendered part: the filter form and its choices from the record."""

import re

import pytest

from tracker.models import Actor, Tag

pytestmark = pytest.mark.django_db


def options(html, select):
    block = re.search(rf'<select name="{select}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"( selected)?>', block)


def test_the_form_offers_the_actors_of_events_and_every_tag(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    actors = [slug for slug, _ in options(html, "actor")]
    assert actors[0] == ""  # "Any actor"
    in_events = Actor.objects.filter(participations__isnull=False).distinct().order_by("name")
    assert actors[1:] == list(in_events.values_list("slug", flat=True))
    assert "andrey-kortunov" not in actors  # makes claims, takes part in no event
    tags = [slug for slug, _ in options(html, "tag")]
    assert tags[1:] == list(Tag.objects.order_by("name").values_list("slug", flat=True))
    assert 'data-events-api="/api/v1/events/"' in html
    assert "/static/tracker/timeline.js" in html and "/static/tracker/timeline.css" in html
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere


def test_the_chosen_filters_are_filled_in(client):
    html = client.get("/?actor=denis-pushilin&tag=trade&date_from=2022-07").content.decode()
    assert ("denis-pushilin", " selected") in options(html, "actor")
    assert ("trade", " selected") in options(html, "tag")
    assert 'name="date_from" id="filter-from" value="2022-07"' in html
    assert 'name="date_to" id="filter-to" value=""' in html


def test_the_claim_kind_choice(client):
    html = client.get("/").content.decode()
    assert options(html, "claim_kind") == [("", ""), ("statement", ""), ("report", "")]
    assert '<option value="">All claims</option>' in html
    assert '<option value="report">Reports only</option>' in html
    html = client.get("/?claim_kind=report").content.decode()
    assert ("report", " selected") in options(html, "claim_kind")


def test_a_chosen_value_is_escaped(client):
    html = client.get('/?date_from="><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)</script>" not in html


def test_the_map_is_served_by_the_site_with_no_tiles_by_default(client):
    html = client.get("/").content.decode()
    assert "/static/leaflet/leaflet.js" in html and "/static/leaflet/leaflet.css" in html
    assert 'data-map-tiles=""' in html
    assert 'id="places-title"' in html and 'id="map" class="map" role="region"' in html


def test_a_tile_url_is_handed_to_the_page(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example"
    html = client.get("/").content.decode()
    assert 'data-map-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-map-attribution="© Example"' in html


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("", ""),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("/tiles/{z}/{x}/{y}.png", ""),  # served by the site itself: 'self' covers it
    ],
)
def test_the_tile_origin_the_policy_allows(template, origin):
    from config.settings import tile_origin

    assert tile_origin(template) == origin
