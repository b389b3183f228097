"""GET /api/v1/actors/: people, states, organisations and media, from the seed record."""

import pytest

from tests.api.responses import slugs
from tracker.models import Actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=media", ["ap", "izvestia", "korea-joongang-daily", "kcna", "reuters",
                        "russian-state-television", "south-korean-media", "tass", "yonhap"]),
        ("q=matsegora", ["alexander-matsegora"]),
        ("q=Aleksandr", ["alexander-matsegora"]),  # an alias
        ("q=Russian Ambassador to North Korea", ["alexander-matsegora"]),  # the title
        ("kind=person&q=putin", ["vladimir-putin"]),
    ],
)  # fmt: skip
def test_filters_on_the_seed_record(api, query, expected):
    assert slugs(api.get(f"/api/v1/actors/?{query}&page_size=200")) == expected


def test_an_actor_links_to_its_claims_and_events(api):
    actor = Actor.objects.get(slug="alexander-matsegora")
    body = api.get(f"/api/v1/actors/{actor.pk}/").json()
    assert body["name"] == "Alexander Matsegora"
    assert body["kind"] == "person"
    assert "Aleksandr Matsegora" in body["aliases"]
    assert body["claims_url"] == "http://testserver/api/v1/claims/?claimant=alexander-matsegora"
    assert body["events_url"] == "http://testserver/api/v1/events/?actor=alexander-matsegora"
    claims = api.get(body["claims_url"]).json()
    assert claims["count"] == actor.claims.count() == 26
    events = api.get(body["events_url"]).json()
    assert {e["slug"] for e in events["results"]} == set(
        actor.events.values_list("slug", flat=True)
    )
    assert "vladivostok-summit-2019" not in {e["slug"] for e in events["results"]}
