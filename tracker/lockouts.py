"""Guessing: failed admin sign-ins and bad API tokens counted by django-axes, then locked out.

Axes (``axes`` in the settings) records every failure in the database, so every gunicorn worker
and every app server sees the same counts. What this module adds to it:

- **who is counted**: an admin sign-in by its user name *and* by the client's address (either
  reaching ``AXES_FAILURE_LIMIT`` locks it out); an API token by the client's address only (a bad
  token names no user, and counting all of them under one empty name would let anyone lock
  every script out). Both share the address count: a client that guesses tokens is also kept
  out of the admin, and the other way round.
- **the client's address**: as the request throttles find it (``NUM_PROXIES``), so a client
  cannot pick its own address in ``X-Forwarded-For`` to dodge the count.
- **slowing down** (API tokens): after a wrong token, the address must wait 1 s before it sends
  another token, then 2 s, 4 s, ... (:func:`token_state`); a token sent sooner is a ``429``
  with ``Retry-After``, not checked and not counted. A script with a typo loses a second; a
  guesser gets ``AXES_FAILURE_LIMIT`` tries in a few seconds and is then locked out.
- **the answer**: under ``/api/`` a ``429`` in the API's error shape with ``Retry-After``; in the
  admin, the sign-in page with a message saying how long to wait (also a ``429``). Each
  lockout is logged (logger ``tracker.lockouts``, WARNING), besides axes's own lines.

Every attempt during the lockout counts as a failure and starts the cool-off again, so
``Retry-After`` is the whole cool-off. Curators see and clear lockouts in the admin (*Axes →
Access attempts*; deleting an attempt lifts its lockout), or ``manage.py axes_reset``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from axes.helpers import get_cool_off, get_failure_limit
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

TOKEN = "api_token"  # the credentials key that marks a failure as a bad API token


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as DRF's throttles see it (``NUM_PROXIES``)."""
    # It reads only request.META, which a Django request has too (the stubs ask for DRF's).
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def lockout_parameters(request_or_attempt, credentials: dict | None = None) -> list[str]:
    """A sign-in is counted by user name and by address; a bad token by address only."""
    if credentials is not None:
        named = not credentials.get(TOKEN) and credentials.get("username") is not None
    else:  # an attempt row (axes reads its parameters back to filter or clear)
        named = getattr(request_or_attempt, "username", None) is not None
    return ["username", "ip_address"] if named else ["ip_address"]


def cool_off_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


@dataclass(frozen=True)
class TokenState:
    """Where the client's address stands with API tokens: locked out, or how long to wait."""

    locked: bool
    wait: int  # seconds before its next token is looked at (0: at once)


def token_state(request: HttpRequest) -> TokenState:
    """From one query of axes's attempts for the address: locked once its recent failures (sign-ins
    included) reach ``AXES_FAILURE_LIMIT``; before that, 2^(n-1) seconds after its n-th failure
    (at most the cool-off) before the next token is looked at."""
    from axes.models import AccessAttempt  # axes's models are ready only once apps are

    cool_off = get_cool_off(request)
    now = timezone.now()
    recent = AccessAttempt.objects.filter(ip_address=client_address(request))
    if cool_off:
        recent = recent.filter(attempt_time__gte=now - cool_off)
    seen = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = seen["failures"] or 0
    if not failures:
        return TokenState(locked=False, wait=0)
    if failures >= get_failure_limit(request, {TOKEN: True}):
        return TokenState(locked=True, wait=cool_off_seconds(request))
    delay = 2.0 ** (failures - 1)
    if cool_off:
        delay = min(delay, cool_off.total_seconds())
    return TokenState(
        locked=False, wait=max(0, math.ceil(delay - (now - seen["last"]).total_seconds()))
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """What a locked-out client gets (``AXES_LOCKOUT_CALLABLE``): JSON under /api/, else a page."""
    from tracker.api.exceptions import error_body  # the API's one error shape

    seconds = cool_off_seconds(request)
    minutes = max(1, math.ceil(seconds / 60))
    credentials = credentials or {}
    username = None if credentials.get(TOKEN) else credentials.get("username")
    log.warning(
        "Locked out %s%s after repeated failed %s on %s; cool-off %d s.",
        f"user name {username!r} and " if username else "",
        f"address {getattr(request, 'axes_ip_address', None) or client_address(request)}",
        "API tokens" if credentials.get(TOKEN) or request.path.startswith("/api/") else "sign-ins",
        request.path,
        seconds,
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(
                429,
                "locked_out",
                f"Too many failed attempts to authenticate from this address: try again in "
                f"{seconds} seconds.",
            ),
            status=429,
        )
    else:
        response = render(
            request,
            "admin/lockout.html",
            {"minutes": minutes, "username": username, "title": "Sign-in locked"},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
