"""The PostgreSQL backend's health check (config/postgresql/base.py): no round trip for an idle
connection, and a session the server ended is found and replaced."""

import pytest
from django.db import connections

from config.postgresql import base as backend
from tests.server import end_session

pytestmark = [
    pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="PostgreSQL's"),
    pytest.mark.django_db,
]


@pytest.fixture
def own():
    """A connection of its own to the test database, closed after the test (with a pool,
    ``DATABASE_POOL=1``, Django checks no connection: the pool does)."""
    wrapper = connections.create_connection("default")
    if wrapper.pool is not None:
        pytest.skip("pooled connections are checked by the pool")
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
    assert own.is_usable() is True  # checked again within QUIET_SECONDS: still no query


def counted_queries(own, monkeypatch) -> list[int]:
    """The health check's queries on ``own``: Django's check goes through psycopg's cursor."""
    sent = []
    cursor = own.connection.cursor

    def counted(*args, **kwargs):
        sent.append(1)
        return cursor(*args, **kwargs)

    monkeypatch.setattr(own.connection, "cursor", counted)
    return sent


def test_a_connection_quiet_for_a_while_is_checked_with_a_query(own, monkeypatch):
    """A peer that lost the session without a word answers only the next packet (a reset)."""
    sent = counted_queries(own, monkeypatch)
    own.checked_at -= backend.QUIET_SECONDS + 1
    assert own.is_usable() is True
    assert sent == [1]
    assert own.is_usable() is True  # checked just now: no query
    assert sent == [1]


def test_a_connection_in_a_transaction_is_checked_with_a_query(own, monkeypatch):
    sent = counted_queries(own, monkeypatch)
    with own.connection.cursor() as cursor:
        cursor.execute("BEGIN")
    assert own.is_usable() is True
    assert len(sent) == 2  # the BEGIN, then Django's check


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
