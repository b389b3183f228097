"""The dashboard page's server-rendered part: the filter form, the chart sections and the API
addresses its script reads; the charts themselves are tested in tests/browser/."""

import json
import re

import pytest

from tracker.models import Actor, Tag
from tracker.views import CHARTS

pytestmark = pytest.mark.django_db


def options(html, select):
    block = re.search(rf'<select name="{select}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"( selected)?>', block)


def test_the_page_offers_the_timeline_filters_and_every_chart(client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the actors of events, the tags
        response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    in_events = Actor.objects.filter(participations__isnull=False).distinct().order_by("name")
    assert [slug for slug, _ in options(html, "actor")] == [
        "",
        *in_events.values_list("slug", flat=True),
    ]
    assert [slug for slug, _ in options(html, "tag")] == [
        "",
        *Tag.objects.order_by("name").values_list("slug", flat=True),
    ]
    assert options(html, "bucket") == [("year", " selected"), ("month", "")]
    assert re.findall(r'data-chart="([a-z]+)"', html) == [chart["id"] for chart in CHARTS]
    endpoints = json.loads(
        re.search(
            r'<script id="dashboard-endpoints" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert endpoints == {
        "timeline": "/api/v1/stats/timeline/",
        "claims": "/api/v1/stats/claims/",
        "actors": "/api/v1/stats/actors/",
        "sources": "/api/v1/stats/sources/",
        "timelinePage": "/",
        "claimList": "/api/v1/claims/",
        "sourceList": "/api/v1/sources/",
    }
    assert (
        "/static/dashboard/vendor/vega-bundle.js" in html
        and "/static/dashboard/dashboard.js" in html
    )
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere


def test_the_chosen_filters_are_filled_in(client):
    html = client.get(
        "/dashboard/?actor=denis-pushilin&tag=trade&date_from=2022-07&bucket=month"
    ).content.decode()
    assert ("denis-pushilin", " selected") in options(html, "actor")
    assert ("trade", " selected") in options(html, "tag")
    assert ("month", " selected") in options(html, "bucket")
    assert 'name="date_from" id="filter-from" value="2022-07"' in html


def test_a_chosen_value_is_escaped(client):
    html = client.get('/dashboard/?date_from="><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)</script>" not in html


def test_the_timeline_page_links_the_dashboard(client):
    assert 'href="/dashboard/"' in client.get("/").content.decode()
