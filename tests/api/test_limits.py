"""Limits: request rates (429 with Retry-After), body size (413), query-string length (414),
and the production settings that pass Django's deployment checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rates(settings):
    """Set the request rates for one test, with fresh counters."""

    def set_rates(anon, user):
        settings.API_THROTTLE_RATES = {"anon": anon, "user": user}
        cache.clear()

    yield set_rates
    cache.clear()


def test_anonymous_clients_are_throttled_with_retry_after(api, rates):
    rates("3/min", None)
    statuses = [api.get("/api/v1/actors/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/events/")  # the count is per client, not per endpoint
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "status": 429,
        "code": "throttled",
        "detail": f"Request was throttled. Expected available in {response['Retry-After']} seconds.",
        "errors": {},
    }


def test_each_address_has_its_own_count_and_a_forged_forwarded_for_does_not_reset_it(api, rates):
    rates("2/min", None)
    assert [api.get("/api/v1/actors/").status_code for _ in range(3)] == [200, 200, 429]
    forged = api.get("/api/v1/actors/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
    other = api.get("/api/v1/actors/", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_signed_in_clients_have_their_own_rate(api, rates):
    rates("1/min", "3/min")
    api.force_login(User.objects.create_user("analyst"))
    statuses = [api.get("/api/v1/actors/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(api.get("/api/v1/actors/")["Retry-After"]) >= 1


def test_rates_off_means_no_throttling(api, rates):
    rates("off", "off")
    assert {api.get("/api/v1/stats/timeline/").status_code for _ in range(30)} == {200}


def test_the_page_size_is_capped(api, settings):
    body = api.get("/api/v1/actors/?page_size=100000").json()
    assert len(body["results"]) == min(settings.MAX_PAGE_SIZE, body["count"])
    assert api.get("/api/v1/actors/?page_size=5").json()["next"].endswith("page=2&page_size=5")


def test_a_query_string_over_the_limit_is_a_414(api, settings):
    settings.MAX_QUERY_STRING = 100
    at_limit = "q=" + "a" * 98
    assert api.get(f"/api/v1/actors/?{at_limit}").status_code == 200
    response = api.get(f"/api/v1/actors/?{at_limit}a")
    assert response.status_code == 414
    assert response.json() == {
        "status": 414,
        "code": "uri_too_long",
        "detail": "The query string is 101 characters long; the limit is 100.",
        "errors": {},
    }


def test_the_default_query_string_limit_refuses_ten_thousand_characters(api):
    response = api.get("/api/v1/events/?q=" + "x" * 10_000)
    assert response.status_code == 414
    assert (
        response.json()["detail"] == "The query string is 10002 characters long; the limit is 2048."
    )


def test_too_many_parameters_are_a_json_400(api):
    response = api.get("/api/v1/events/?" + "&".join(["a"] * 1001))
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "bad_request",
        "detail": "Bad request.",
        "errors": {},
    }


def test_a_body_over_the_limit_is_a_413_before_anything_reads_it(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "x" * 1000})
    response = api.post("/api/v1/events/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "code": "request_too_large",
        "detail": f"The request body is {len(body)} bytes; the limit is 1000.",
        "errors": {},
    }


def test_a_content_length_that_is_not_a_number_is_a_400(api):
    response = api.post(
        "/api/v1/events/", "{}", content_type="application/json", CONTENT_LENGTH="many"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_length"


def _settings_in(env: dict, code: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_limits_and_the_cache_come_from_the_environment():
    env = {
        "THROTTLE_ANON_RATE": "10/min",
        "THROTTLE_USER_RATE": "100/hour",
        "MAX_REQUEST_BODY": "5000",
        "MAX_QUERY_STRING": "300",
        "REDIS_URL": "redis://127.0.0.1:6390/2",
    }
    code = (
        "print(settings.API_THROTTLE_RATES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "
        "settings.MAX_QUERY_STRING, settings.CACHES['default'])"
    )
    assert _settings_in(env, code) == (
        "{'anon': '10/min', 'user': '100/hour'} 5000 300 "
        "{'BACKEND': 'tracker.caches.FallbackRedisCache', "
        "'LOCATION': 'redis://127.0.0.1:6390/2', 'OPTIONS': {'retry': 5.0}}"
    )
    assert "LocMemCache" in _settings_in({}, "print(settings.CACHES['default']['BACKEND'])")


def test_production_settings_pass_the_deployment_checks():
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env = {
        **clean,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "a-long-random-production-like-key-" + "k7Qz9xW2" * 6,
        "ALLOWED_HOSTS": "tracker.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
