"""as_of: every read answers with the record as readers saw it at a past moment."""

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from tracker import as_of
from tracker.models import Claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    as_of.forget_all()
    yield
    as_of.forget_all()


def moment(when: datetime.datetime) -> str:
    return quote(when.isoformat())


def test_smoke(api):
    now = timezone.now()
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    response = api.get(f"/api/v1/claims/?as_of={moment(now)}")
    assert response.status_code == 200, response.content
    body = response.json()
    print(body["count"], body["as_of"], dict(response.headers))
    response = api.get(f"/api/v1/claims/{claim.pk}/?as_of={moment(now)}")
    assert response.status_code == 200, response.content
    assert response.json() == api.get(f"/api/v1/claims/{claim.pk}/").json()
