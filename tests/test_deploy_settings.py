"""Production database settings: the read-replica router, connection pooling, check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

from config.routers import PrimaryReplicaRouter
from tracker.models import Event

ROOT = Path(__file__).resolve().parents[1]


def settings_with(**env) -> dict:
    """DATABASES and DATABASE_ROUTERS as the settings module reads them from ``env``."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, 'middleware': settings.MIDDLEWARE, "
        "'routers': getattr(settings, 'DATABASE_ROUTERS', [])}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DJANGO_ENV"))}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )  # fmt: skip
    return json.loads(result.stdout)


def test_without_a_replica_there_is_one_database_and_the_as_of_router():
    found = settings_with(DATABASE_URL="postgres://app@db.internal:5432/tracker")
    assert list(found["databases"]) == ["default"]
    assert found["routers"] == ["config.routers.AsOfRouter"]  # as_of's snapshots
    assert found["databases"]["default"]["CONN_MAX_AGE"] == 60


def test_a_replica_url_adds_the_replica_and_the_router():
    found = settings_with(
        DATABASE_URL="postgres://app@primary.internal:5432/tracker",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/tracker",
    )
    replica = found["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.internal", "reader", "tracker",
    )  # fmt: skip
    assert replica["TEST"]["MIRROR"] == "default"
    assert found["databases"]["default"]["HOST"] == "primary.internal"
    # A read with as_of goes to its snapshot before the replica is considered.
    assert found["routers"] == ["config.routers.AsOfRouter", "config.routers.PrimaryReplicaRouter"]
    # Each connection names the app server; a replica that does not answer is given up quickly.
    assert replica["OPTIONS"]["application_name"] == "tracker"
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert "connect_timeout" not in found["databases"]["default"]["OPTIONS"]
    assert found["middleware"].index("tracker.replication.ReplicationMiddleware") == (
        found["middleware"].index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )


def test_the_application_name_comes_from_the_environment():
    found = settings_with(
        DATABASE_URL="postgres://app@db.internal:5432/tracker",
        DATABASE_APPLICATION_NAME="tracker-app7",
    )
    assert found["databases"]["default"]["OPTIONS"]["application_name"] == "tracker-app7"
    assert "tracker.replication.ReplicationMiddleware" not in found["middleware"]


def test_database_pool_turns_on_psycopgs_pool():
    found = settings_with(
        DATABASE_URL="postgres://app@db.internal:5432/tracker",
        DATABASE_POOL="1",
        DATABASE_POOL_MAX="20",
    )
    default = found["databases"]["default"]
    assert default["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 20}
    assert default["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool


def test_the_pool_is_only_for_postgresql():
    found = settings_with(DATABASE_POOL="1")  # the SQLite default
    assert "pool" not in found["databases"]["default"].get("OPTIONS", {})


@pytest.mark.parametrize(
    ("env", "prepared"),
    [
        ({"DATABASE_URL": "postgres://app@db.internal:5432/tracker"}, True),
        (
            {"DATABASE_URL": "postgres://app@db.internal:5432/tracker", "DATABASE_PREPARED": "0"},
            False,
        ),
        ({}, False),  # SQLite
    ],
)
def test_postgresql_prepares_repeated_statements_unless_told_not_to(env, prepared):
    options = settings_with(**env)["databases"]["default"].get("OPTIONS", {})
    expected = {"server_side_binding": True, "prepare_threshold": 5} if prepared else {}
    assert {key: options[key] for key in expected if key in options} == expected
    if not prepared:
        assert "server_side_binding" not in options and "prepare_threshold" not in options


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="psycopg's preparing")
@pytest.mark.django_db
def test_the_events_page_runs_prepared_after_a_few_requests(api):
    # Computed afresh each time (no-cache), not answered from the record cache.
    url = "/api/v1/events/?date_from=2019&date_to=2019"
    for _ in range(7):
        assert api.get(url, HTTP_CACHE_CONTROL="no-cache").status_code == 200
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
    assert prepared >= 5  # the page, its count and its embeds at least


@pytest.mark.django_db(transaction=True)
def test_the_router_writes_and_migrates_on_the_primary():
    """Reads on a replica: tests/test_replication.py, with one configured."""
    router = PrimaryReplicaRouter()
    assert router.db_for_write(Event) == "default"
    assert router.allow_migrate("default", "tracker") is True
    assert router.allow_migrate("replica", "tracker") is False
    assert router.allow_relation(Event(), Event()) is True
    assert router.db_for_read(Event) == "default"  # no replica configured here


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DJANGO_ENV": "production", "ALLOWED_HOSTS": "example.org",
             "SECRET_KEY": "a-long-random-production-key-for-the-check-0123456789-abcdefgh",
             "DATABASE_URL": "postgres://app@db.internal:5432/tracker",
             "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/tracker"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {
    "DJANGO_ENV": "production", "ALLOWED_HOSTS": "example.org",
    "SECRET_KEY": "a-long-random-production-key-for-the-check-0123456789-abcdefgh",
}  # fmt: skip


def setting_with(name: str, **env):
    """One setting as the settings module reads it from ``env`` (null when it is not set)."""
    code = f"print(json.dumps(getattr(settings, {name!r}, None), default=str))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_ENV", "TRUSTED"))}
    result = subprocess.run(
        [sys.executable, "-c", f"import json, django; from django.conf import settings; "
         f"django.setup(); {code}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )  # fmt: skip
    return json.loads(result.stdout)


def test_x_forwarded_proto_is_not_trusted_unless_a_proxy_is_named():
    """Issue 19: production trusted X-Forwarded-Proto from any client."""
    assert setting_with("SECURE_PROXY_SSL_HEADER", **PRODUCTION) is None
    named = {**PRODUCTION, "TRUSTED_PROXIES": "10.0.0.5, 10.0.1.0/24"}
    assert setting_with("SECURE_PROXY_SSL_HEADER", **named) == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert setting_with("TRUSTED_PROXIES", **named) == ["10.0.0.5", "10.0.1.0/24"]
    assert setting_with("MIDDLEWARE", **named)[0] == "tracker.proxies.TrustedProxyMiddleware"


def test_a_trusted_proxy_that_is_no_address_stops_the_start():
    with pytest.raises(subprocess.CalledProcessError) as failed:
        setting_with("TRUSTED_PROXIES", TRUSTED_PROXIES="balancer.internal")
    assert "TRUSTED_PROXIES: 'balancer.internal' is no address" in failed.value.stderr


@pytest.fixture
def behind_a_balancer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.MIDDLEWARE = ["tracker.proxies.TrustedProxyMiddleware", *settings.MIDDLEWARE]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("peer", "status"),
    [("10.0.0.5", 200), ("203.0.113.9", 301), ("10.0.0.6", 301), ("not-an-address", 301)],
)
def test_https_is_believed_only_from_the_trusted_proxy(client, behind_a_balancer, peer, status):
    response = client.get("/api/v1/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == status
    if status == 301:
        assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_header_changes_nothing(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/api/v1/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
