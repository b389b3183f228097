"""The PostgreSQL backend's health check (config/postgresql/base.py): no round trip for an idle
connection, and a session the server ended is found and replaced."""

import pytest
from django.db import connections

from tests.server import end_session

pytestmark = [
    pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="PostgreSQL's"),
    pytest.mark.django_db,
]


@pytest.fixture
def own():
    """A connection of its own to the test database, closed after the test."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_the_backend_is_the_projects():
    assert type(connections["default"]).__module__ == "config.postgresql.base"


def test_an_idle_connection_is_usable_without_a_query(own, monkeypatch):
    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(own.connection, "cursor", no_query)
    assert own.is_usable() is True


def test_a_session_the_server_ended_is_unusable_and_replaced(own):
    pid = own.connection.info.backend_pid
    end_session(pid)
    assert own.is_usable() is False
    # As at a request's first query: the check fails, the connection is replaced, the query runs.
    own.health_check_enabled, own.health_check_done = True, False
    with own.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert own.connection.info.backend_pid != pid


def test_a_closed_connection_is_unusable(own):
    own.connection.close()
    assert own.is_usable() is False
