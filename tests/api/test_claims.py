"""GET /api/v1/claims/: who said what, checked against the seed record."""

import pytest

from tests.api.responses import slugs
from tracker.models import Claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claimant=linda-thomas-greenfield", [
            "thomas-greenfield-north-korea-own-fault-2022",
            "thomas-greenfield-border-closures-barrier-2022",
        ]),
        ("claimant=dmytro-kuleba", ["kuleba-russia-isolation-like-dprk-2022"]),
        ("status=disputed", [
            "south-korean-media-pyongyang-unwilling-2017",
            "tass-sanctions-answered-nuclear-test-and-rocket-2016",
            "lee-putin-first-took-office-1999-2022",
            "zhang-jun-sanctions-humanitarian-consequences-2022",
            "matsegora-ukronazis-2022",
            "lee-north-korea-recognized-dpr-lpr-2022",
        ]),
        ("status=refuted", [
            "lee-gorbachev-premiership-2022",
            "lee-first-nuclear-test-may-2009-2022",
        ]),
        ("event=pushilin-state-tv-interview-2022", [
            "lee-moscow-pyongyang-drawing-closer-2022",
            "lee-pushilin-state-tv-interview-2022",
            "pushilin-reconstruction-alongside-north-korea-2022",
            "pushilin-interested-in-nk-resources-2022",
            "lee-pushilin-did-not-clarify-resources-2022",
        ]),
        # Overlap: what was said "in July 2022" may have been said on the 21st.
        ("claimant=denis-pushilin&stated_from=2022-07-21&stated_to=2022-07-21", [
            "pushilin-recognition-triumph-of-diplomacy-2022",
            "pushilin-hopes-active-fruitful-cooperation-2022",
            "pushilin-reconstruction-alongside-north-korea-2022",
            "pushilin-interested-in-nk-resources-2022",
        ]),
        ("q=Ukronazis", ["matsegora-ukronazis-2022", "lee-ukronazis-term-false-2022"]),
        ("q=magnesite wheat", ["matsegora-magnesite-for-coal-and-wheat-2022"]),
    ],
)  # fmt: skip
def test_filters_on_the_seed_record(api, query, expected):
    assert sorted(slugs(api.get(f"/api/v1/claims/?{query}"))) == sorted(expected)


def test_claims_of_a_source_and_a_window(api):
    found = slugs(api.get("/api/v1/claims/?source=tass-2020-02-07-matsegora-interview"))
    assert len(found) == 19
    assert all(slug.startswith(("matsegora-", "tass-")) for slug in found)
    stated_2017 = api.get("/api/v1/claims/?stated_from=2017&stated_to=2017").json()["count"]
    assert stated_2017 == Claim.objects.filter(stated_start__year=2017).count() == 52


def test_claims_are_ordered_by_when_they_were_stated(api):
    found = api.get("/api/v1/claims/?page_size=200").json()["results"]
    starts = [claim["stated_start"] for claim in found]
    assert starts == sorted(starts)
    newest = api.get("/api/v1/claims/?page_size=200&ordering=-stated").json()["results"]
    assert [claim["stated_start"] for claim in newest] == sorted(starts, reverse=True)


def test_a_claim_detail(api):
    claim = Claim.objects.get(slug="kuleba-russia-isolation-like-dprk-2022")
    body = api.get(f"/api/v1/claims/{claim.pk}/").json()
    assert body["slug"] == claim.slug
    assert body["claimant"]["slug"] == "dmytro-kuleba"
    assert body["quote"] == (
        "The level of isolation of the Russian Federation will soon reach the level of "
        "isolation of the DPRK"
    )
    assert claim.source.text[body["quote_start"] : body["quote_end"]] == body["quote"]
    assert body["source"]["slug"] == "joongang-2022-07-sanctions-donetsk"
    assert body["source"]["publisher"] == "Korea JoongAng Daily"
    assert body["source"]["published"] == "2022-07"
