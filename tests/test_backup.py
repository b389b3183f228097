"""manage.py backup while the server writes: the restored copy holds every acknowledged write.

The project is served under gunicorn (``tests/server.py``), a curator's script creates actors
one after the other, and ``manage.py backup`` runs in its own process meanwhile. The backup is
then restored as docs/deploy.md says, and every actor whose creation had been answered 201
before the backup began is in it. On SQLite always; on PostgreSQL (pg_dump, pg_restore) when the
suite runs there.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.server import ROOT, Server, database_url

pytestmark = pytest.mark.server


class Writer(threading.Thread):
    """Creates actors until stopped; ``acknowledged`` holds (slug, when the 201 came back)."""

    def __init__(self, server: Server, token: str):
        super().__init__(daemon=True)
        self.server, self.token = server, token
        self.acknowledged: list[tuple[str, float]] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            slug = f"backup-writer-{number}"
            status, _, body = self.server.request(
                "POST",
                "/api/v1/actors/",
                {"name": f"Backup writer {number}", "kind": "person", "slug": slug},
                {"Authorization": f"Token {self.token}"},
            )
            if status == 201:
                self.acknowledged.append((slug, time.monotonic()))
            else:
                self.failures.append(f"{status} {body[:200]!r}")
            number += 1

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count, self.failures


def backup_while_writing(server: Server, token: str, path) -> tuple[set[str], Writer]:
    """Run ``manage.py backup path`` in the middle of a stream of writes; the slugs acknowledged
    before it began, and the writer (stopped)."""
    writer = Writer(server, token)
    writer.start()
    try:
        writer.wait_for(10)
        began = time.monotonic()
        before = {slug for slug, when in writer.acknowledged if when < began}
        result = subprocess.run(
            [sys.executable, "manage.py", "backup", str(path)],
            cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Backed up the ")
        writer.wait_for(len(writer.acknowledged) + 5)  # the server kept writing throughout
    finally:
        writer.stopping.set()
        writer.join(timeout=30)
    assert writer.failures == []
    assert len(before) >= 10
    return before, writer


def test_a_sqlite_backup_taken_while_writing_restores_every_acknowledged_write(tmp_path):
    database = tmp_path / "site.sqlite3"
    server = Server(tmp_path, workers=2, sqlite_path=database)
    server.prepare()
    token = server.manage("curator", "bea", "--no-password", "--token").strip().splitlines()[-1]
    server.start()
    try:
        before, writer = backup_while_writing(server, token, tmp_path / "backup.sqlite3")
    finally:
        server.stop()
    assert not (tmp_path / "backup.sqlite3-wal").exists()  # one self-contained file

    # Restore as docs/deploy.md says: the server stopped, the copy in place of the database
    # (its -wal and -shm files removed), the server started again.
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    restored = restored_dir / "site.sqlite3"
    shutil.copyfile(tmp_path / "backup.sqlite3", restored)
    again = Server(restored_dir, workers=1, sqlite_path=restored)
    again.start()
    try:
        status, _, _ = again.request("GET", "/api/v1/actors/?q=Backup+writer&page_size=200")
    finally:
        again.stop()
    assert status == 200  # the restored copy serves
    # Read from the copy itself: the actors the writer made are drafts, which readers don't see.
    with sqlite3.connect(restored) as copy:
        rows = copy.execute("SELECT slug FROM tracker_actor WHERE slug LIKE 'backup-writer-%'")
        found = {slug for (slug,) in rows}
    assert before <= found, sorted(before - found)
    # Nothing the copy holds was invented: every request got its answer before the writer stopped.
    assert found <= {slug for slug, _ in writer.acknowledged}


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_taken_while_writing_restores_every_acknowledged_write(
    request, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite: the PostgreSQL case runs when it runs there")
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore are needed (postgresql-client)")
    request.getfixturevalue("committed_record")
    token = Token.objects.create(user=request.getfixturevalue("curator")).key
    url = database_url(connection.settings_dict)
    server = Server(tmp_path, workers=2, database_url=url)
    server.start()
    try:
        before, _ = backup_while_writing(server, token, tmp_path / "backup.dump")
    finally:
        server.stop()

    restored = f"{connection.settings_dict['NAME']}_restored"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
             url.rsplit("/", 1)[0] + f"/{restored}", str(tmp_path / "backup.dump")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        with psycopg.connect(url.rsplit("/", 1)[0] + f"/{restored}") as copy:
            rows = copy.execute("SELECT slug FROM tracker_actor WHERE slug LIKE 'backup-writer-%'")
            found = {slug for (slug,) in rows}
            triggers = copy.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%_version'"
            ).fetchone()[0]
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    assert before <= found, sorted(before - found)
    assert triggers > 0  # the record-version triggers came back with the tables
