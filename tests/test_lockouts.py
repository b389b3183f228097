"""Guessing: failed admin sign-ins and bad API tokens are locked out (django-axes), then let in
again once the cool-off is over. Time is moved with time-machine, never slept through."""

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LIMIT, COOL_OFF = 3, datetime.timedelta(minutes=10)
PASSWORD = "s3cret-pass"  # the curator fixture's


@pytest.fixture(autouse=True)
def _lockouts(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sign_in(username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return client, response


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_after_the_limit_the_right_password_is_refused_until_the_cool_off_ends(
    curator, clock, caplog
):
    for _ in range(LIMIT - 1):
        _, response = sign_in("curie", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    with caplog.at_level(logging.WARNING):
        _, response = sign_in("curie", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    page = response.content.decode()
    assert "Too many failed sign-ins for “curie” or from this" in page
    assert "Sign-in is locked for 10 minutes" in page
    assert any(
        record.name == "tracker.lockouts"
        and "Locked out user name 'curie' and address 10.0.0.1" in record.getMessage()
        for record in caplog.records
    )

    client, response = sign_in("curie", PASSWORD)  # the right password, during the lockout
    assert response.status_code == 429
    assert not signed_in(client)

    clock.shift(COOL_OFF - datetime.timedelta(seconds=1))
    client, response = sign_in("curie", PASSWORD)  # still locked; this attempt restarts it
    assert response.status_code == 429 and not signed_in(client)

    clock.shift(COOL_OFF + datetime.timedelta(seconds=1))
    client, response = sign_in("curie", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="curie").exists()  # reset on success


def test_one_address_trying_many_user_names_is_locked_out(curator, clock):
    for name in ["alice", "bob", "carol"][:LIMIT]:
        sign_in(name, "wrong", address="10.0.0.2")
    _, response = sign_in("curie", PASSWORD, address="10.0.0.2")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    client, response = sign_in("curie", PASSWORD, address="10.0.0.3")  # another client
    assert response.status_code == 302 and signed_in(client)


def test_one_user_name_tried_from_many_addresses_is_locked_out(curator, clock):
    for number in range(LIMIT):
        sign_in("curie", "wrong", address=f"10.0.1.{number}")
    _, response = sign_in("curie", PASSWORD, address="10.0.2.1")
    assert response.status_code == 429


def test_curators_see_lockouts_in_the_admin_and_clearing_one_lets_the_user_in(curator, clock):
    for _ in range(LIMIT):
        sign_in("curie", "wrong")
    assert sign_in("curie", PASSWORD)[1].status_code == 429
    admin = Client()
    other = type(curator).objects.create_user("marie", password=PASSWORD, is_staff=True)
    other.groups.add(*curator.groups.all())
    admin.force_login(other)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert b"curie" in listing.content and b"10.0.0.1" in listing.content
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client, response = sign_in("curie", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def api_client(token, address="10.0.0.9"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_bad_tokens_lock_the_address_out_with_429_and_retry_after(curator, clock, caplog):
    good = Token.objects.create(user=curator).key
    url = "/api/v1/claims/?claimant=alexander-matsegora"
    for number in range(LIMIT - 1):
        response = api_client(f"{number:040d}").get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
        clock.shift(2**number)  # waits out the slow-down (1 s, then 2 s, ...)
    with caplog.at_level(logging.WARNING):
        response = api_client("f" * 40).get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert response.json() == {
        "status": 429,
        "code": "locked_out",
        "detail": "Too many failed attempts to authenticate from this address: "
        "try again in 600 seconds.",
        "errors": {},
    }
    assert any(
        record.name == "tracker.lockouts" and "address 10.0.0.9" in record.getMessage()
        for record in caplog.records
    )

    clock.shift(60)
    refused = api_client(good).get(url)  # the right token, during the lockout
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"  # this attempt started the wait again
    assert refused.json() == response.json()
    assert APIClient(REMOTE_ADDR="10.0.0.9").get(url).status_code == 200  # reading stays open
    assert api_client(good, address="10.0.0.8").get(url).status_code == 200  # another client

    clock.shift(COOL_OFF - datetime.timedelta(seconds=1))
    assert api_client(good).get(url).status_code == 429
    clock.shift(COOL_OFF + datetime.timedelta(seconds=1))
    assert api_client(good).get(url).status_code == 200


def test_a_script_with_its_right_token_is_never_counted(curator, clock):
    good = Token.objects.create(user=curator).key
    for _ in range(LIMIT * 2):
        assert api_client(good).get("/api/v1/events/").status_code == 200
    assert not AccessAttempt.objects.exists()


def test_each_bad_token_makes_the_next_one_wait_longer(curator, clock):
    good = Token.objects.create(user=curator).key
    url = "/api/v1/events/"
    assert api_client("a" * 40).get(url).status_code == 401
    response = api_client(good).get(url)  # at once: even the right token waits its turn
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "status": 429,
        "code": "slow_down",
        "detail": "A wrong token was sent from this address a moment ago: "
        "send the next one in 1 seconds.",
        "errors": {},
    }
    assert AccessAttempt.objects.get().failures_since_start == 1  # the refusal is not counted
    clock.shift(1)
    assert api_client("b" * 40).get(url).status_code == 401
    clock.shift(1)
    assert api_client(good).get(url)["Retry-After"] == "1"  # 2 s after the second failure
    clock.shift(1)
    assert api_client(good).get(url).status_code == 200
    assert APIClient(REMOTE_ADDR="10.0.0.9").get(url).status_code == 200  # no token: no wait
