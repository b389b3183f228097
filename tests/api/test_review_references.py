"""What readers see never names what they may not: a record comes into public view only once
the records it names (a claim's claimant and source, an actor's affiliation, a source's
publisher) are there, and leaves it only while nothing in public view names it."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.records import publish, snapshot
from tracker import services
from tracker.models import Claim, Source

pytestmark = pytest.mark.django_db

SOURCE = "tass-2020-02-07-matsegora-interview"
CLAIM = {
    "text": "Trade fell, the spokesman said.",
    "quote": "That is why, we are still losing here to Chinese partners.",
    "source": SOURCE,
    "stated": "2020-02-07",
    "status": "unverified",
}


@pytest.fixture
def reviewer_api(db):
    user = User.objects.create_user("rosa", password="s3cret-pass", is_staff=True)
    user.groups.add(Group.objects.get(name="curators"), Group.objects.get(name="reviewers"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def spokesman(db):
    """An actor just written by a curator: a draft."""
    return services.actor_create(name="A new spokesman", kind="person")


def patch(client, url, body):
    etag = client.get(url)["ETag"]
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag)


def test_a_claim_is_published_only_once_its_claimant_is(curator_api, reviewer_api, spokesman):
    created = curator_api.post(
        "/api/v1/claims/", {**CLAIM, "claimant": spokesman.slug}, format="json"
    )
    assert created.status_code == 201, created.json()
    url = created.json()["url"]
    assert patch(curator_api, url, {"state": "in_review"}).status_code == 200
    before = snapshot()

    refused = patch(reviewer_api, url, {"state": "published"})
    assert refused.status_code == 409
    detail = (
        f"This claim's claimant is the actor '{spokesman.slug}', which is draft: publish it first."
    )
    assert refused.json() == {
        "status": 409,
        "code": "references_unpublished",
        "detail": detail,
        "errors": {"state": [detail]},
        "rule": "references_unpublished",
    }
    assert snapshot() == before

    publish(spokesman)
    approved = patch(reviewer_api, url, {"state": "published"})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "published"


def test_a_published_claim_cannot_be_pointed_at_a_draft(curator_api, spokesman):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    before = snapshot()
    refused = patch(curator_api, url, {"claimant": spokesman.slug})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "claimant": [
            f"A published claim cannot refer to the actor '{spokesman.slug}', which is draft: "
            "readers would see what is not published. Publish it first."
        ]
    }
    assert snapshot() == before


def test_a_source_leaves_public_view_only_when_no_published_claim_cites_it(curator_api):
    source = Source.objects.get(slug=SOURCE)
    url = f"/api/v1/sources/{source.pk}/"
    reason = "The outlet withdrew the interview."
    assert patch(curator_api, url, {"state": "retracted", "rationale": reason}).status_code == 200
    # Retracted, it is still in public view; back in review it would not be.
    refused = patch(curator_api, url, {"state": "in_review", "rationale": "Check it again."})
    assert refused.status_code == 409
    assert refused.json()["rule"] == "referenced_by_readable"
    cited = Claim.objects.filter(source=source, state="published").order_by("pk").first()
    assert refused.json()["detail"] == (
        f"The published claim '{cited.slug}' refers to this source (source): it would name what "
        "readers may not see."
    )
    assert Source.objects.get(pk=source.pk).state == "retracted"
