"""Request rates per client: DRF's throttles with their rates read from the settings.

Rates come from ``settings.API_THROTTLE_RATES`` on every request (DRF's own classes read them
once, at import), so a deployment's environment and a test's override both apply. An exceeded
rate is a 429 with ``Retry-After``, in the one error shape of the exception handler.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import throttling


class _SettingsRate(throttling.SimpleRateThrottle):
    """The rate of this throttle's scope from the settings; ``off`` (or empty) means none."""

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope or "")
        return None if rate in (None, "", "off") else rate


class AnonRateThrottle(_SettingsRate, throttling.AnonRateThrottle):
    """Anonymous clients, counted by address."""


class UserRateThrottle(_SettingsRate, throttling.UserRateThrottle):
    """Signed-in clients, counted by account (anonymous ones by address, at the user rate)."""
