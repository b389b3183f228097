"""References that can name nothing (a NUL in a slug, an id beyond the column) are a 400 naming
the field on every database, never a query PostgreSQL refuses (a 500)."""

import pytest

from tracker.models import Claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("claimant", "message"),
    [
        ("tass\x00", "Null characters are not allowed."),
        ("not a slug", "No actor has the slug 'not a slug'."),
        (-63512799816, "No actor has the id -63512799816."),
        (2**70, f"No actor has the id {2**70}."),
    ],
)
def test_a_reference_that_names_nothing_is_a_400(curator_api, claimant, message):
    before = Claim.objects.count()
    body = {"text": "x", "claimant": claimant, "source": "tass-2017-02-03-timonin-seoul",
            "stated": "2017-02-03"}  # fmt: skip
    response = curator_api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"claimant": [message]}
    assert Claim.objects.count() == before
