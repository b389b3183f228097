"""A read replica in the running site: GET /api/health/, reads falling back to the primary when the
replica fails, and a curator reading their own writes (tracker/replication.py, tracker/health.py).

The replica is configured as DATABASE_REPLICA_URL configures it (an alias, the router, the
middleware): unreachable (a port nobody listens on), or, on PostgreSQL, a second connection to
the test database; being no standby, it never reports a replay position, so a user who wrote
stays on the primary. The record is committed (``committed_record``): a read inside the
test's own transaction would stay on the primary, as every read inside a transaction does.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from config.routers import PrimaryReplicaRouter
from tests.server import end_session, free_port
from tracker import replication
from tracker.models import Claim, Event

CLAIM_ROUTE = "/api/v1/claims/{}/"
# The replica is added to DATABASES for a test, which Django warns may surprise.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")


def _install_replica(settings, replica_settings: dict) -> None:
    # The settings name the replica; its connection is made here, as Django's test cases allow
    # for a connection they did not set up (they refuse one named in the DATABASES they started
    # with, which has no replica).
    settings.DATABASES = {**settings.DATABASES, replication.REPLICA: replica_settings}
    backend = load_backend(replica_settings["ENGINE"])
    connections[replication.REPLICA] = backend.DatabaseWrapper(
        replica_settings, replication.REPLICA
    )
    settings.DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "tracker.replication.ReplicationMiddleware",
    )
    settings.MIDDLEWARE = middleware


def _remove_replica() -> None:
    connections[replication.REPLICA].close()
    del connections[replication.REPLICA]
    replication._replica_down_until = 0.0


@pytest.fixture
def unreachable_replica(committed_record, settings):
    """DATABASE_REPLICA_URL naming a PostgreSQL server that is not there."""
    _install_replica(
        settings,
        {
            **connections["default"].settings_dict,
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "NAME": "tracker",
            "USER": "postgres",
            "OPTIONS": {"connect_timeout": 2},
        },
    )
    yield
    _remove_replica()


@pytest.fixture
def replica(committed_record, settings):
    """DATABASE_REPLICA_URL naming the test database again: a connection of its own."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("a replica is a PostgreSQL connection")
    _install_replica(
        settings,
        {
            **connections["default"].settings_dict,
            "OPTIONS": {
                **connections["default"].settings_dict.get("OPTIONS", {}),
                "application_name": "tracker-replica-test",
            },
        },
    )
    yield connections[replication.REPLICA]
    _remove_replica()


def _without_lsn(body: dict) -> dict:
    for database in body["databases"].values():
        for key in ("wal_lsn", "replay_lsn"):
            if key in database:
                assert re.fullmatch(r"[0-9A-F]+/[0-9A-F]+", database.pop(key)), database
    return body


@pytest.mark.django_db
def test_health_without_a_replica_reports_the_primary_and_the_cache(api, django_assert_num_queries):
    vendor = connections["default"].vendor
    with django_assert_num_queries(1):
        response = api.get("/api/health/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert _without_lsn(response.json()) == {
        "status": "ok",
        "databases": {"default": {"state": "up", "role": "primary", "vendor": vendor}},
        "cache": {"backend": "LocMemCache", "state": "up"},
    }


def test_health_takes_no_parameters(api):
    response = api.get("/api/health/?verbose=1")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["verbose"]


def test_health_reports_an_unreachable_replica_and_still_answers_200(api, unreachable_replica):
    response = api.get("/api/health/")
    assert response.status_code == 200
    body = _without_lsn(response.json())
    assert body["status"] == "degraded"
    replica = body["databases"]["replica"]
    assert {key: replica[key] for key in ("state", "role", "vendor", "reads")} == {
        "state": "down", "role": "replica", "vendor": "postgresql", "reads": "replica",
    }  # fmt: skip
    assert "Connection refused" in replica["error"] or "connection" in replica["error"].lower()
    assert body["databases"]["default"]["state"] == "up"


def test_reads_fall_back_to_the_primary_when_the_replica_fails(api, unreachable_replica, caplog):
    expected = api.get("/api/v1/events/?date_from=2019&date_to=2019")
    # The read met the unreachable replica and was answered again from the primary.
    assert expected.status_code == 200
    assert "The replica failed" in caplog.text
    assert expected.json()["count"] > 0
    replication._replica_down_until = 0.0  # as once DATABASE_REPLICA_RETRY has passed
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tracker.replication"):
        again = api.get("/api/v1/events/?date_from=2019&date_to=2019")
        health = api.get("/api/health/").json()
    assert again.status_code == 200
    assert again.json() == expected.json()
    assert [record.getMessage().split(";")[1].strip() for record in caplog.records] == [
        "reads go to the primary for 5.0 s."
    ]
    assert health["databases"]["replica"]["reads"] == "default"


def test_a_failed_write_is_not_run_twice(unreachable_replica, curator_api):
    claim = Claim.objects.order_by("pk").first()
    before = claim.history.count()
    # The write's own reads run in its transaction on the primary; the replica is never asked.
    response = curator_api.get(CLAIM_ROUTE.format(claim.pk))
    assert response.status_code == 200
    response = curator_api.patch(
        CLAIM_ROUTE.format(claim.pk), {"notes": "checked twice"}, format="json",
        HTTP_IF_MATCH=response["ETag"],
    )  # fmt: skip
    assert response.status_code == 200
    assert claim.history.count() == before + 1


def test_anonymous_reads_go_to_the_replica(api, replica):
    claim = Claim.objects.order_by("pk").first()
    with CaptureQueriesContext(replica) as on_replica:
        response = api.get(CLAIM_ROUTE.format(claim.pk))
    assert response.status_code == 200
    assert any('FROM "tracker_claim"' in query["sql"] for query in on_replica.captured_queries)


def test_a_curator_reads_their_own_write_from_the_primary(replica, curator_api, api, curator):
    claim = Claim.objects.order_by("pk").first()
    path = CLAIM_ROUTE.format(claim.pk)
    with CaptureQueriesContext(replica) as on_replica:
        etag = curator_api.get(path)["ETag"]  # not written yet: read from the replica
    assert any('FROM "tracker_claim"' in query["sql"] for query in on_replica.captured_queries)
    response = curator_api.patch(path, {"notes": "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    position = replication.cache.get(replication._cache_key(curator.pk))
    assert re.fullmatch(r"[0-9A-F]+/[0-9A-F]+", position)

    with CaptureQueriesContext(replica) as on_replica:
        mine = curator_api.get(path)
        theirs = api.get(path)  # anonymous: the replica
    assert mine.json()["notes"] == theirs.json()["notes"] == "mine"
    # On the replica: the replay position check (the curator's) and the anonymous read.
    replica_queries = [query["sql"] for query in on_replica.captured_queries]
    assert replica_queries[0].startswith("SELECT pg_last_wal_replay_lsn() >=")
    assert not any('FROM "tracker_claim"' in sql for sql in replica_queries[:2])
    assert any('FROM "tracker_claim"' in sql for sql in replica_queries[1:])


def test_a_curator_who_wrote_nothing_reads_from_the_replica(replica, curator_api):
    claim = Claim.objects.order_by("pk").first()
    with CaptureQueriesContext(replica) as on_replica:
        assert curator_api.get(CLAIM_ROUTE.format(claim.pk)).status_code == 200
    queries = [query["sql"] for query in on_replica.captured_queries]
    assert any('FROM "tracker_claim"' in sql for sql in queries)
    assert not any("pg_last_wal_replay_lsn" in sql for sql in queries)


def test_health_with_a_replica_reports_its_lag(api, replica):
    body = api.get("/api/health/").json()
    assert body["status"] == "ok"
    # A second connection to the primary is no standby: no replay position, no lag to report.
    assert _without_lsn(body)["databases"]["replica"] == {
        "state": "up", "role": "replica", "vendor": "postgresql", "reads": "replica",
        "standby": False,
    }  # fmt: skip


def test_the_router_reads_on_the_replica_but_in_a_transaction_or_signing_in(replica):
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Event) == "replica"
    assert router.db_for_read(Session) == router.db_for_read(Token) == "default"
    with transaction.atomic():  # a write in progress reads its own writes on the primary
        assert router.db_for_read(Event) == "default"
    assert router.db_for_read(Event) == "replica"


def test_a_read_whose_replica_connection_broke_is_answered_from_the_primary(replica, api, caplog):
    """The standby stopped under a worker's open connection: the query fails, and the same GET
    is answered again from the primary."""
    claim = Claim.objects.order_by("pk").first()
    replica.settings_dict["CONN_HEALTH_CHECKS"] = False  # else the broken one is replaced first
    replica.ensure_connection()
    end_session(replica.connection.info.backend_pid)
    with caplog.at_level(logging.WARNING, logger="tracker.replication"):
        response = api.get(CLAIM_ROUTE.format(claim.pk))
    assert response.status_code == 200
    assert response.json()["id"] == claim.pk
    assert [
        record.getMessage().startswith("The replica failed (") for record in caplog.records
    ] == [True]
    assert replication.replica_down()
