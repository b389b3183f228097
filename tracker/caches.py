"""The shared cache: Redis, or this process's memory while Redis cannot be reached.

The cache holds what the app servers share (throttling counters, read-your-writes positions)
and nothing that cannot be rebuilt. Losing Redis must cost that sharing, not the site: Django's
``RedisCache`` raises on every call while Redis is down, so every throttled request would be a
500. ``FallbackRedisCache`` sends each call to Redis and, when Redis does not answer (refused,
timed out), to a ``LocMemCache`` of its own, logs it once, and leaves Redis alone for ``retry``
seconds before trying it again. Django's cache API is small, so wrapping it is a few lines;
django-redis' ``IGNORE_EXCEPTIONS`` answers "no value" instead, which would turn throttling off
rather than make it count per process.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class FallbackRedisCache(BaseCache):
    def __init__(self, server, params):
        super().__init__(params)
        options = dict(params.get("OPTIONS", {}))
        self.retry = float(options.pop("retry", 5))
        # A Redis that is down refuses at once on loopback; one that is unreachable must not
        # hold a request for long either.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1)
        self.redis = RedisCache(server, {**params, "OPTIONS": options})
        self.local = LocMemCache(f"fallback:{server}", {**params, "OPTIONS": {}})
        self._down_until = 0.0
        self.degraded = False

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                result = getattr(self.redis, method)(*args, **kwargs)
            except UNREACHABLE as error:
                self._down_until = time.monotonic() + self.retry
                if not self.degraded:
                    self.degraded = True
                    log.warning(
                        "Redis is unreachable (%s): caching and throttling use this process's "
                        "memory; Redis is tried again every %s s.",
                        error,
                        self.retry,
                    )
            else:
                if self.degraded:
                    self.degraded = False
                    log.warning("Redis answers again: caching and throttling are shared again.")
                return result
        return getattr(self.local, method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        self.redis.close(**kwargs)
