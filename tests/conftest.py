"""Shared fixtures: the seed record loaded once per test database, an API client."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed record (fixtures/record.json) through the validating loaddata."""
    with django_db_blocker.unblock():
        call_command("loaddata", "record", verbosity=0)


@pytest.fixture
def api(db):
    return APIClient()
