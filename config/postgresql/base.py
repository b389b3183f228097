"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection is idle and silent.

With ``CONN_HEALTH_CHECKS`` (config/settings.py) Django checks a persistent connection before
its first query of each request, and its PostgreSQL backend does it with ``SELECT 1``: one more
round trip to the server on every request (on the events page, one of its ten; with the
record version read, the two that the raw baseline does not make, docs/benchmarks.md).

A connection between requests has no query in progress, so the server has nothing to send it.
What it may send unasked is the end of the session: the error that says why (an administrator's
``pg_terminate_backend``, a shutdown, ``idle_session_timeout``) and the closed socket. So the
socket is polled first, without waiting: nothing to read means the session is as it was left,
and the connection is used as it is; something to read (the end of the session, or a notice) is
left to Django's own check, which reads it and answers False when the session is over. A
connection psycopg already knows to be closed or broken fails at once.

What neither check can see is a peer that vanished without a word (a network partition): the
first query then waits for TCP's timeout with either one.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        if readable:
            return bool(super().is_usable())
        return True
