"""The hot path keeps the contract: events and claims built directly equal the declared fields.

``EventSerializer`` and ``ClaimSerializer`` build their JSON from plain rows (events: one read of
the embeds per page) instead of field by field; with ``reference=True`` in the context they
render through their declared fields from the prefetched querysets instead. The two must agree
on every record: the seed record and a generated one.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from tracker.api.renderers import ORJSONRenderer
from tracker.api.serializers import ClaimSerializer, EventSerializer
from tracker.selectors import embeds, querysets

pytestmark = pytest.mark.django_db


def context(path="/api/v1/events/", **extra):
    return {"request": APIRequestFactory().get(path), **extra}


def assert_fast_equals_reference():
    events = list(querysets.event_queryset().order_by("date_start", "id"))
    assert events
    reference = EventSerializer(events, many=True, context=context(reference=True)).data
    fast = EventSerializer(events, many=True, context=context()).data
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(reference))
    # One event alone (a detail) gives the same as within a page.
    assert EventSerializer(events[-1], context=context()).data == fast[-1]

    claims = list(querysets.claim_queryset().order_by("id"))
    reference = ClaimSerializer(claims, many=True, context=context(reference=True)).data
    fast = ClaimSerializer(claims, many=True, context=context()).data
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(reference))
    return events, claims


def test_the_fast_path_equals_the_declared_fields_on_the_seed_record():
    events, claims = assert_fast_equals_reference()
    assert len(events) == 35 and len(claims) == 140


def test_the_fast_path_equals_the_declared_fields_on_generated_data():
    call_command("generate_data", events=40, claims_per_event=5, seed=3, verbosity=0)
    events, claims = assert_fast_equals_reference()
    assert len(events) == 75 and len(claims) == 340


def test_the_api_serves_the_fast_path(api):
    """Over HTTP too: the list and a detail as the reference renders them."""
    body = api.get("/api/v1/events/?page_size=200").json()
    events = list(
        querysets.event_queryset().order_by(
            *["date_start", "date_precision", "date_end", "title", "id"]
        )
    )
    reference = EventSerializer(events, many=True, context=context(reference=True)).data
    assert body["results"] == json.loads(json.dumps(reference))


def test_urls_follow_the_format_suffix(api):
    event = querysets.event_queryset().filter(claims__isnull=False).first()
    body = api.get(f"/api/v1/events/{event.pk}.json").json()
    assert body["url"] == f"http://testserver/api/v1/events/{event.pk}.json"
    assert body["claims"][0]["url"].endswith(".json")


@pytest.mark.parametrize(
    "data",
    [
        {"text": "Ünïcödé “quotes” and \u2028 \u2029 separators", "n": [1, None, True, 2.5]},
        [],
        {"nested": {"list": [{"a": "b"}]}},
    ],
)
def test_the_renderer_gives_drfs_bytes(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's DateStyle")
def test_the_embedded_claim_dates_are_iso_whatever_the_servers_date_style():
    event = querysets.event_queryset().filter(claims__isnull=False).first()
    expected = [(c.stated_start.isoformat(), c.stated_end.isoformat()) for c in event.claims.all()]
    assert expected
    start = embeds.EMBEDDED_CLAIM_FIELDS.index("stated_start")
    end = embeds.EMBEDDED_CLAIM_FIELDS.index("stated_end")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")  # e.g. 23/04/2019
    rows = embeds.event_embeds([event.pk]).claims[event.pk]
    assert [(row[start], row[end]) for row in rows] == expected
