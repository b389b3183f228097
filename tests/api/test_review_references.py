"""What readers see never names what they may not: a published record is not pointed at a draft
(a claim's claimant and source, an actor's affiliation, a source's publisher), and a record
leaves public view only while nothing in public view names it. (Approval waits for what a record
names: tests/api/test_workflow.py.)"""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.records import snapshot
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
