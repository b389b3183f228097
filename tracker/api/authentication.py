"""API token authentication that counts bad tokens and locks a guessing client out.

DRF's ``TokenAuthentication`` answers a wrong token with a 401, as often as it is asked. Here each
wrong token is reported to django-axes as a failed sign-in of the client's address (see
``tracker.lockouts``). After each failure the address must wait a little longer (1 s, 2 s, 4 s,
...) before its next token is looked at: sooner, a 429 with ``Retry-After``. Once it reaches
``AXES_FAILURE_LIMIT`` every request it sends with a token, the right one included, is a 429
with ``Retry-After`` until the cool-off ends.
Requests without a token are not affected: reading stays open.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tracker.lockouts import TOKEN, cool_off_seconds, token_state


class _Wait(exceptions.Throttled):
    """A 429 with ``Retry-After`` (DRF's handler sets it from ``wait``), in the one error shape,
    whose message says how long to wait (not Throttled's own sentence about it)."""

    message = ""  # with {wait}: the seconds

    def __init__(self, wait: int):
        exceptions.APIException.__init__(self, detail=self.message.format(wait=wait))
        self.wait = wait


class LockedOut(_Wait):
    default_code = "locked_out"
    message = (
        "Too many failed attempts to authenticate from this address: try again in {wait} seconds."
    )


class SlowDown(_Wait):
    default_code = "slow_down"
    message = (
        "A wrong token was sent from this address a moment ago: send the next one in {wait} "
        "seconds."
    )


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: another scheme, or an anonymous read
        if not getattr(settings, "AXES_ENABLED", True):  # django-axes' default, set at its import
            return super().authenticate(request)
        credentials = {"username": None, TOKEN: True}
        django_request = request._request
        state = token_state(django_request)  # one query: a right token pays no more
        if state.locked:
            self._failed(django_request, credentials)  # an attempt while locked restarts the wait
            raise LockedOut(cool_off_seconds(django_request))
        if state.wait:
            raise SlowDown(state.wait)  # not checked, not counted
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            self._failed(django_request, credentials)
            if getattr(django_request, "axes_locked_out", False):
                raise LockedOut(cool_off_seconds(django_request)) from None
            raise

    @staticmethod
    def _failed(django_request: HttpRequest, credentials: dict[str, Any]) -> None:
        user_login_failed.send(
            sender=TokenAuthentication, credentials=credentials, request=django_request
        )
