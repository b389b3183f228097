"""The benchmark's raw baseline (bench/baseline.py) serves the events page the API serves.

``bench/run.py`` refuses to time a baseline whose page differs from the project's; this runs the
same check on the suite's database, through the connection Django holds (so inside the test's
transaction), on the seed record (places, claims with and without publishers, relations) and on
generated data. The baseline takes its columns and its JSON from ``tracker.shapes``: a field
added to a shape reaches it without an edit here or there.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from bench import baseline

pytestmark = pytest.mark.django_db


@pytest.fixture
def raw_baseline(monkeypatch):
    connection.ensure_connection()
    monkeypatch.setattr(baseline, "_connection", connection.connection)
    monkeypatch.setattr(baseline, "P", "%s" if connection.vendor == "postgresql" else "?")
    return baseline


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2017&date_to=2022&page_size=200",
        "date_from=2019-04&date_to=2022-07-15&page_size=5&page=2",
        "date_from=1990&date_to=1991",  # nothing in the window
    ],
)
def test_the_baseline_serves_the_apis_events_page(api, raw_baseline, query):
    body = api.get(f"/api/v1/events/?{query}").json()
    params = dict(pair.split("=") for pair in query.split("&"))
    assert raw_baseline.events_page(params, "http://testserver/api/v1/") == body


def test_the_baseline_serves_the_apis_events_page_of_generated_data(api, raw_baseline):
    call_command("generate_data", events=40, claims_per_event=5, seed=3, verbosity=0)
    query = "date_from=1950&date_to=2030&page_size=200"
    body = api.get(f"/api/v1/events/?{query}").json()
    assert body["count"] == 75
    params = dict(pair.split("=") for pair in query.split("&"))
    assert raw_baseline.events_page(params, "http://testserver/api/v1/") == body
