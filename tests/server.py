"""The project served as a user runs it: gunicorn workers in a subprocess, on 127.0.0.1 only.

Used by the tests that need several server processes at once (concurrent writers, backups
taken while the server writes). On SQLite the site gets a fresh database file, migrated and
loaded with the seed record; on PostgreSQL it is pointed at the test database the suite uses
(whose record the test commits first).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for a PostgreSQL connection's settings (the test database's name)."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def end_session(pid: int) -> None:
    """End the PostgreSQL session ``pid`` as an administrator would (``pg_terminate_backend``,
    from the default connection), and wait until the server has let it go."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(50):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


class Server:
    """gunicorn over the project. ``sqlite_path`` gives it a fresh SQLite file (``prepare()``
    migrates and loads it); else ``database_url`` names an existing, loaded database."""

    def __init__(
        self,
        workdir: Path,
        *,
        workers: int = 4,
        sqlite_path: Path | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ):
        self.workdir = workdir
        self.workers = workers
        self.env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            STATIC_ROOT=str(workdir / "static"),
            THROTTLE_ANON_RATE="off",
            THROTTLE_USER_RATE="off",
            CONN_MAX_AGE="0",  # no connection outlives its request: nothing held at stop
        )
        if sqlite_path is not None:
            self.env["SQLITE_PATH"] = str(sqlite_path)
        if database_url is not None:
            self.env["DATABASE_URL"] = database_url
        self.env.update(env or {})
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = workdir / "gunicorn.log"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return result.stdout

    def prepare(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("loaddata", "record", "-v0")

    def start(self) -> None:
        self.port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--timeout", "60", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/api/v1/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start in 30 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, headers as a dict with lower-case names, body bytes); one connection each."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            payload = None if body is None else json.dumps(body).encode()
            sent = {"Content-Type": "application/json", **(headers or {})} if payload else headers
            connection.request(method, path, body=payload, headers=sent or {})
            response = connection.getresponse()
            content = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        finally:
            connection.close()


@contextmanager
def sqlite_site(tmp_path: Path, *, workers: int) -> Iterator[tuple[Server, str]]:
    """A served site on its own SQLite file with the seed record, and a curator's API token."""
    server = Server(tmp_path, workers=workers, sqlite_path=tmp_path / "site.sqlite3")
    server.prepare()
    token = server.manage("curator", "alice", "--no-password", "--token").strip().splitlines()[-1]
    server.start()
    try:
        yield server, token
    finally:
        server.stop()


@contextmanager
def postgresql_site(request, tmp_path: Path, *, workers: int) -> Iterator[tuple[Server, str]]:
    """A served site on the suite's PostgreSQL test database, its record committed, and a
    curator's API token; skipped when the suite runs on SQLite."""
    import pytest
    from django.db import connection
    from rest_framework.authtoken.models import Token

    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite: the PostgreSQL case runs when it runs there")
    request.getfixturevalue("committed_record")
    curator = request.getfixturevalue("curator")
    token = Token.objects.create(user=curator).key
    server = Server(tmp_path, workers=workers, database_url=database_url(connection.settings_dict))
    server.start()
    try:
        yield server, token
    finally:
        server.stop()
