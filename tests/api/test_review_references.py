"""A record leaves public view only while nothing in public view names it: readers would be
shown a name they may not read. (Coming into view waits for what a record names, and a content
edit may not point a public record at a draft: tests/api/test_workflow.py.)"""

import pytest

from tracker.models import Actor, Claim, Source

pytestmark = pytest.mark.django_db

RETRACT = {"state": "retracted", "rationale": "The outlet withdrew it."}
REINSTATE = {"state": "in_review", "rationale": "Check it again."}


def patch(client, url, body):
    etag = client.get(url)["ETag"]
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag)


def test_a_source_a_published_claim_cites_stays_in_public_view(curator_api):
    source = Source.objects.get(slug="tass-2020-02-07-matsegora-interview")
    url = f"/api/v1/sources/{source.pk}/"
    # Retracted, it is still in public view; back in review it would not be.
    assert patch(curator_api, url, RETRACT).status_code == 200
    refused = patch(curator_api, url, REINSTATE)
    assert refused.status_code == 409
    cited = Claim.objects.filter(source=source, state="published").order_by("pk").first()
    detail = (
        f"The published claim '{cited.slug}' names this source (source): readers would see what "
        "they may not read."
    )
    assert refused.json() == {
        "status": 409,
        "code": "referenced_by_readable",
        "detail": detail,
        "errors": {"state": [detail]},
        "rule": "referenced_by_readable",
    }
    assert Source.objects.get(pk=source.pk).state == "retracted"


def test_an_outlet_a_published_source_credits_stays_in_public_view(curator_api):
    outlet = Actor.objects.get(slug="yonhap")  # credited, never a claimant
    url = f"/api/v1/actors/{outlet.pk}/"
    assert patch(curator_api, url, RETRACT).status_code == 200
    refused = patch(curator_api, url, REINSTATE)
    assert refused.status_code == 409
    assert refused.json()["rule"] == "referenced_by_readable"
    assert "(credits)" in refused.json()["detail"]


def test_a_record_nothing_public_names_may_leave_public_view(curator_api):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    assert patch(curator_api, url, RETRACT).status_code == 200
    moved = patch(curator_api, url, REINSTATE)
    assert moved.status_code == 200, moved.json()
    assert moved.json()["state"] == "in_review"
