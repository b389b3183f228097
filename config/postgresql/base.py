"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection is busy, idle between requests and silent.

With ``CONN_HEALTH_CHECKS`` (config/settings.py) Django checks a persistent connection before
its first query of each request, and its PostgreSQL backend does it with ``SELECT 1``: one more
round trip to the server on every request (on the events page, one of its ten; with the
record version read, the two that the raw baseline does not make, docs/benchmarks.md).

A connection between requests has no query in progress, so the server has nothing to send it.
What it may send unasked is the end of the session: the error that says why (an administrator's
``pg_terminate_backend``, a shutdown, ``idle_session_timeout``) and the closed socket. So the
socket is polled first, without waiting: nothing to read means the session is as it was left,
and the connection is used as it is. Django's own check (``SELECT 1``) is still made when:

- something is there to read (the end of the session, a notice), which it reads, answering
  False when the session is over;
- the connection is not idle (a transaction left open) or cannot be polled;
- the connection was last checked over ``QUIET_SECONDS`` ago: a peer that lost the session
  without a word (a database host that restarted, a NAT that forgot the connection) answers the
  next packet with a reset, which the poll cannot see; a busy worker checks every few
  milliseconds, and a quiet one pays the round trip on its first request after a pause.

A connection psycopg already knows to be closed or broken fails at once.
"""

from __future__ import annotations

import select
import time

import psycopg
from django.db.backends.postgresql import base

QUIET_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = 0.0  # time.monotonic() of the connection's last check that passed

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        now = time.monotonic()
        if now - self.checked_at <= QUIET_SECONDS and self._idle_and_silent(connection):
            usable = True
        else:
            usable = bool(super().is_usable())
        self.checked_at = now if usable else 0.0
        return usable

    @staticmethod
    def _idle_and_silent(connection: psycopg.Connection[object]) -> bool:
        """Nothing in progress on the connection and nothing from the server to read."""
        try:
            if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                return False
            poller = select.poll()  # not select(): no limit on the descriptor's number
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError, psycopg.Error):
            return False  # left to Django's check

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()  # a new session is as usable as a checked one
