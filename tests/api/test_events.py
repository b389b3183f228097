"""GET /api/v1/events/: the timeline, checked against the seed record with exact values."""

import pytest

from tests.api.responses import slugs
from tracker.models import Actor, Claim, Event, Source

pytestmark = pytest.mark.django_db

JULY_2022 = [  # by date, coarser first on the same first day; February-July intervals overlap July
    "sanctions-on-russia-2022",
    "russia-invades-ukraine-2022",
    "unga-resolution-ukraine-withdrawal-2022",
    "matsegora-suggests-closer-economic-ties-2022",
    "north-korea-recognizes-dpr-lpr-2022",
    "ukrainian-foreign-ministry-statement-2022",
    "ukraine-severs-relations-north-korea-2022",
    "matsegora-izvestia-interview-2022",
    "pushilin-state-tv-interview-2022",
]


def test_the_list_is_paginated_in_the_contract_shape(api):
    body = api.get("/api/v1/events/?page_size=10").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 35
    assert len(body["results"]) == 10
    assert body["previous"] is None
    assert body["next"].endswith("/api/v1/events/?page=2&page_size=10")
    last = api.get("/api/v1/events/?page_size=10&page=4").json()
    assert len(last["results"]) == 5 and last["next"] is None


def test_the_default_order_is_by_date(api):
    found = slugs(api.get("/api/v1/events/?page_size=200"))
    assert found[:3] == [
        "moscow-pyongyang-relations-deteriorate-1990s",
        "putin-first-takes-office-1999",
        "unsc-sanctions-2009",
    ]
    assert found[-1] == "pushilin-state-tv-interview-2022"
    starts = [e.date_start for e in Event.objects.order_by("date_start")]
    assert [Event.objects.get(slug=s).date_start for s in found] == starts


def test_the_july_2022_window(api):
    # The February-July 2022 intervals first (same first day, ordered by title), then July's own.
    found = slugs(api.get("/api/v1/events/?date_from=2022-07&date_to=2022-07"))
    assert sorted(found[:3]) == sorted(JULY_2022[:3])
    assert found[3:] == JULY_2022[3:]


def test_the_july_2022_window_at_day_and_month_precision(api):
    found = slugs(api.get("/api/v1/events/?date_from=2022-07&date_to=2022-07&precision=day"))
    assert found == JULY_2022[6:]
    found = slugs(api.get("/api/v1/events/?date_from=2022-07&date_to=2022-07&precision=month"))
    assert found == JULY_2022[:6]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date_from=2019-04-25&date_to=2019-04-25", ["vladivostok-summit-2019"]),
        ("date_from=2020-01&date_to=2020-01", ["north-korea-closes-borders-covid-2020"]),
        ("date_from=2009&date_to=2009", ["unsc-sanctions-2009", "north-korea-nuclear-test-2009"]),
        ("actor=ri-son-gwon", ["mansudae-assembly-hall-ceremony-2020"]),
        ("tag=summit", ["vladivostok-summit-2019"]),
        ("q=vladivostok summit", ["vladivostok-summit-2019"]),
        ("q=Mansudae", ["mansudae-assembly-hall-ceremony-2020"]),
        ("actor=denis-pushilin&date_from=2022-07-20", ["pushilin-state-tv-interview-2022"]),
    ],
)
def test_filters_on_the_seed_record(api, query, expected):
    assert slugs(api.get(f"/api/v1/events/?{query}")) == expected


def test_an_event_embeds_what_a_timeline_needs(api):
    event = Event.objects.get(slug="ukraine-severs-relations-north-korea-2022")
    body = api.get(f"/api/v1/events/{event.pk}/").json()
    assert list(body) == [
        "id", "url", "slug", "title", "summary", "date", "date_start", "date_end",
        "date_precision", "location", "place", "state", "state_rationale", "actors", "tags",
        "attested", "sources", "claims",
    ]  # fmt: skip
    assert (body["state"], body["state_rationale"]) == ("published", "")  # the seed is public
    assert body["place"] is None  # its location is not given
    assert body["attested"] is True
    sources = Source.objects.filter(claims__events=event).distinct().order_by("published", "slug")
    assert body["sources"] == [
        {"id": s.pk, "slug": s.slug, "title": s.title, "publisher": s.publisher.name,
         "published": s.published, "url": s.url or None,
         "claims": event.claims.filter(source=s).count()}
        for s in sources
    ]  # fmt: skip
    assert body["id"] == event.pk
    assert body["url"] == f"http://testserver/api/v1/events/{event.pk}/"
    assert (body["date"], body["date_start"], body["date_end"], body["date_precision"]) == (
        "2022-07-13", "2022-07-13", "2022-07-13", "day",
    )  # fmt: skip
    assert body["title"] == event.title and body["summary"] == event.summary
    assert body["tags"] == sorted(event.tags.values_list("slug", flat=True))
    participations = event.participations.select_related("actor").order_by("id")
    assert body["actors"] == [
        {"id": p.actor.pk, "slug": p.actor.slug, "name": p.actor.name, "kind": p.actor.kind,
         "role": p.role}
        for p in participations
    ]  # fmt: skip
    assert [claim["slug"] for claim in body["claims"]] == list(
        event.claims.order_by("stated_start", "id").values_list("slug", flat=True)
    )


def test_an_event_names_its_place_with_its_identifiers(api):
    event = Event.objects.get(slug="mansudae-assembly-hall-ceremony-2020")
    body = api.get(f"/api/v1/events/{event.pk}/").json()
    # "Mansudae Assembly Hall, Pyongyang, North Korea": the hall has no place, Pyongyang has.
    assert body["location"] == "Mansudae Assembly Hall, Pyongyang, North Korea"
    assert body["place"] == {
        "slug": "pyongyang", "name": "Pyongyang", "latitude": 39.0194, "longitude": 125.7381,
        "wikidata": "Q18808", "geonames": 1871859,
    }  # fmt: skip


def test_an_embedded_claim_has_the_contract_shape(api):
    claim = Claim.objects.get(slug="thomas-greenfield-border-closures-barrier-2022")
    event = Event.objects.get(slug="un-additional-sanctions-dispute-2022")
    body = api.get(f"/api/v1/events/{event.pk}/").json()
    embedded = next(c for c in body["claims"] if c["slug"] == claim.slug)
    claimant = Actor.objects.get(slug="linda-thomas-greenfield")
    source = claim.source
    assert embedded == {
        "id": claim.pk,
        "url": f"http://testserver/api/v1/claims/{claim.pk}/",
        "slug": claim.slug,
        "kind": "statement",
        "text": claim.text,
        "quote": "The number one barrier to sending humanitarian assistance into the DPRK is the "
        "DPRK self-imposed border closures, not international sanctions",
        "quote_start": claim.quote_start,
        "quote_end": claim.quote_end,
        "claimant": {"id": claimant.pk, "slug": "linda-thomas-greenfield",
                     "name": "Linda Thomas-Greenfield", "kind": "person"},
        "source": {"id": source.pk, "slug": "joongang-2022-02-strategic-cooperation",
                   "title": "North agrees to increase 'strategic cooperation' with Russia",
                   "publisher": "Korea JoongAng Daily", "published": "2022-02", "url": None},
        "stated": "2022-02",
        "stated_start": "2022-02-01",
        "stated_end": "2022-02-28",
        "stated_precision": "month",
        "status": claim.status,
        "notes": claim.notes,
        "state": "published",
        "state_rationale": "",
        "events": list(
            claim.events.order_by("date_start", "date_end", "title").values_list("slug", flat=True)
        ),
        "relations": [
            {"type": rel.type, "claim": rel.to_claim_id, "direction": "outgoing"}
            for rel in claim.relations_out.order_by("id")
        ] + [
            {"type": rel.type, "claim": rel.from_claim_id, "direction": "incoming"}
            for rel in claim.relations_in.order_by("id")
        ],
    }  # fmt: skip
    assert source.text[claim.quote_start : claim.quote_end] == embedded["quote"]
