"""The shared cache when Redis is gone: each process's memory, a log line, no error
(tracker/caches.py), for the cache itself, for throttling and for GET /api/health/."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches

from tests.server import free_port


@pytest.fixture
def redis_down(settings):
    """REDIS_URL naming a Redis that is not there (both caches, as config/settings.py sets them)."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.caches.FallbackRedisCache",
            "LOCATION": location,
            "OPTIONS": {"retry": 60},
        },
        "records": {
            "BACKEND": "tracker.caches.FallbackRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "records",
            "OPTIONS": {"retry": 60},
        },
    }
    return caches["default"]


def test_the_cache_answers_from_memory_and_says_so_once(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="tracker.caches"):
        assert redis_down.get("missing", "default") == "default"
        redis_down.set("counter", 1, 30)
        assert redis_down.incr("counter", 2) == 3
        assert redis_down.get_many(["counter", "missing"]) == {"counter": 3}
        assert redis_down.add("counter", 7) is False
        redis_down.delete("counter")
        assert redis_down.has_key("counter") is False
    assert redis_down.degraded is True
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("Redis is unreachable (")
    assert (
        caplog.records[0]
        .getMessage()
        .endswith(
            "caching and throttling use this process's memory; Redis is tried again every 60.0 s."
        )
    )


@pytest.mark.django_db
def test_throttling_still_counts_while_redis_is_down(redis_down, api, settings):
    settings.API_THROTTLE_RATES = {"anon": "2/min", "user": None}
    statuses = [api.get("/api/v1/actors/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_health_reports_the_cache_in_memory(redis_down, api):
    response = api.get("/api/health/")
    assert response.status_code == 200
    assert response.json()["cache"] == {"backend": "redis", "state": "local memory"}
