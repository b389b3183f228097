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
