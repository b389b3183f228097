"""`manage.py curator`: a staff user in the curators group, with a token for scripts."""

import io
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command("curator", *args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = saved
    return out.getvalue().strip()


def test_a_curator_is_made_with_a_password_and_a_token(api):
    key = run("alice", "--password-stdin", "--token", stdin="a-long-enough-passphrase\n")
    user = User.objects.get(username="alice")
    assert user.is_staff and user.check_password("a-long-enough-passphrase")
    assert list(user.groups.values_list("name", flat=True)) == ["curators"]
    assert key == Token.objects.get(user=user).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/actors/", {"name": "By Token", "kind": "person"})
    assert response.status_code == 201


def test_running_it_again_keeps_the_token(api):
    first = run("bob", "--password-stdin", "--token", stdin="a-long-enough-passphrase\n")
    again = run("bob", "--no-password", "--token")
    assert first == again
    assert User.objects.filter(username="bob").count() == 1


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError, match="too short"):
        run("carol", "--password-stdin", stdin="short\n")
    assert not User.objects.filter(username="carol").exists()
