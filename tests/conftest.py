"""Shared fixtures: the seed record loaded once per test database, API clients, users."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tracker.models import Claim


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the places and the seed record (fixtures/places.json, record.json) through the
    validating loaddata, which links events to places and actors to Wikidata, as ``make run``."""
    with django_db_blocker.unblock():
        call_command("loaddata", "places", "record", verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real password hashing takes most of a second per user; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    """Request rates are limits for clients, not for the suite; tests of throttling set them."""
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}


@pytest.fixture(autouse=True)
def _no_lockouts(settings):
    """Failed sign-ins and bad tokens are still recorded (django-axes runs as in production), but
    the suite's own 401s never add up to a lockout; tests of lockouts set the limit."""
    settings.AXES_FAILURE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def _compiled_sql_checked(monkeypatch):
    """Every list SQL kept per worker (``tracker.selectors.compiled``) is compared with the ORM's
    own, every time it is used: a part of a query its key did not describe fails the test."""
    from tracker.selectors import compiled

    monkeypatch.setattr(compiled, "CHECKED", True)


@pytest.fixture(autouse=True)
def _empty_record_cache():
    """Each test starts with an empty cache of answers, as a freshly started worker does: a test
    rolled back to the record version an earlier test cached answers for would otherwise get
    them (the same record, but not the queries the test counts)."""
    from django.core.cache import caches

    from tracker.selectors import version

    caches["records"].clear()
    version._PER_VERSION.clear()  # what is computed once per record version, likewise


@pytest.fixture
def api(db):
    return APIClient()


@pytest.fixture
def curator(db):
    """A user in the `curators` group (made by a migration), as a curator is set up."""
    user = User.objects.create_user("curie", password="s3cret-pass", is_staff=True)
    user.groups.add(Group.objects.get(name="curators"))
    return user


@pytest.fixture
def reader(db):
    """A staff user who may look at everything and change nothing."""
    user = User.objects.create_user("reed", password="s3cret-pass", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return user


def client_for(user: User) -> APIClient:
    """An API client that authenticates like a script: with ``user``'s token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def curator_api(curator):
    return client_for(curator)


@pytest.fixture
def reviewer(db):
    """A second curator who may publish (the curators and reviewers groups)."""
    user = User.objects.create_user("rosa", password="s3cret-pass", is_staff=True)
    user.groups.add(Group.objects.get(name="curators"), Group.objects.get(name="reviewers"))
    return user


@pytest.fixture
def reviewer_api(reviewer):
    return client_for(reviewer)


@pytest.fixture
def committed_record(transactional_db):
    """The record and the curators group, committed. A transactional test ends by emptying
    every table (pytest-django runs them after all others), so the next one finds nothing:
    each puts back what it needs before it starts."""
    if not Claim.objects.exists():
        call_command("loaddata", "record", verbosity=0)
    group, _ = Group.objects.get_or_create(name="curators")
    codenames = import_module("tracker.migrations.0003_curators_group").codenames()
    group.permissions.set(Permission.objects.filter(codename__in=list(codenames)))
    yield
