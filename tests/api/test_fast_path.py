"""The hot path keeps the contract: events and claims built directly equal the declared fields.

``EventSerializer`` and ``ClaimSerializer`` build their JSON with their shapes' builders
(``tracker.shapes``) from the records and what the view read for the page (``embeds``, in the
context) instead of field by field; with ``reference=True`` in the context they render through
their declared fields from the prefetched reference querysets (``tests/oracles.py``) instead.
The two must agree on every record: the seed record and a generated one.
"""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from tests.oracles import claim_queryset, event_queryset
from tracker import shapes
from tracker.api.renderers import ORJSONRenderer
from tracker.api.serializers import ClaimSerializer, EventSerializer
from tracker.selectors import embeds

pytestmark = pytest.mark.django_db


def context(path="/api/v1/events/", **extra):
    return {"request": APIRequestFactory().get(path), **extra}


def ids(records):
    return [record.pk for record in records]


def assert_fast_equals_reference():
    events = list(event_queryset().order_by("date_start", "id"))
    assert events
    reference = EventSerializer(events, many=True, context=context(reference=True)).data
    page = embeds.event_embeds(ids(events))
    fast = EventSerializer(events, many=True, context=context(embeds=page)).data
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(reference))
    # In the order of the declared fields, which is the shape's.
    assert [list(event) for event in fast] == [list(event) for event in reference]
    # One event alone (a detail) gives the same as within a page.
    alone = embeds.event_embeds(ids(events[-1:]))
    assert EventSerializer(events[-1], context=context(embeds=alone)).data == fast[-1]

    claims = list(claim_queryset().order_by("id"))
    reference = ClaimSerializer(claims, many=True, context=context(reference=True)).data
    links = embeds.claim_links(ids(claims))
    fast = ClaimSerializer(claims, many=True, context=context(embeds=links)).data
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(reference))
    assert [list(claim) for claim in fast] == [list(claim) for claim in reference]
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
        event_queryset().order_by(*["date_start", "date_precision", "date_end", "title", "id"])
    )
    reference = EventSerializer(events, many=True, context=context(reference=True)).data
    assert body["results"] == json.loads(json.dumps(reference))


def test_the_api_serves_the_claims_page_read_as_rows(api):
    """A list's page is read as rows of its shape (``PageEmbedsMixin.page_rows``), a detail as
    a record: both as the reference renders them."""
    body = api.get("/api/v1/claims/?page_size=200").json()
    claims = list(claim_queryset().order_by("stated_start", "id"))
    reference = ClaimSerializer(
        claims, many=True, context=context("/api/v1/claims/", reference=True)
    ).data
    assert body["results"] == json.loads(json.dumps(reference))
    detail = api.get(f"/api/v1/claims/{claims[0].pk}/").json()
    assert detail == body["results"][0]


def test_urls_follow_the_format_suffix(api):
    event = event_queryset().filter(claims__isnull=False).first()
    body = api.get(f"/api/v1/events/{event.pk}.json").json()
    assert body["url"] == f"http://testserver/api/v1/events/{event.pk}.json"
    assert body["claims"][0]["url"].endswith(".json")


@pytest.mark.parametrize(
    "data",
    [
        {"text": "Ünïcödé “quotes” and \u2028 \u2029 separators", "n": [1, None, True, 2.5]},
        {"text": "Ünïcödé “quotes”, no separator"},
        {"text": "ASCII only: the separators are not looked for"},
        [],
        {"nested": {"list": [{"a": "b"}]}},
    ],
)
def test_the_renderer_gives_drfs_bytes(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's DateStyle")
def test_the_embedded_claim_dates_are_iso_whatever_the_servers_date_style():
    event = event_queryset().filter(claims__isnull=False).first()
    expected = [(c.stated_start.isoformat(), c.stated_end.isoformat()) for c in event.claims.all()]
    assert expected
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")  # e.g. 23/04/2019
    rows = embeds.event_embeds([event.pk]).claims[event.pk]
    assert [(row.stated_start, row.stated_end) for row in rows] == expected


def test_a_serializer_without_the_pages_embeds_refuses_rather_than_querying(
    django_assert_num_queries,
):
    event = event_queryset().first()
    with django_assert_num_queries(0), pytest.raises(ImproperlyConfigured, match="embeds"):
        EventSerializer(event, context=context()).data  # noqa: B018


@pytest.mark.parametrize(
    ("shape", "serializer"),
    [(shapes.CLAIM, ClaimSerializer), (shapes.EVENT, EventSerializer)],
)
def test_the_embedded_rows_are_named_by_the_shapes_columns(shape, serializer):
    """The fast path's rows carry the shape's columns by name, and the declared serializer's
    fields are the shape's, in order."""
    event = event_queryset().filter(claims__isnull=False, participations__isnull=False).first()
    page = embeds.event_embeds([event.pk])
    assert page.claims[event.pk][0]._fields == shapes.CLAIM.columns
    assert page.participants[event.pk][0]._fields == shapes.PARTICIPANT.columns
    assert list(serializer().fields) == shape.names
