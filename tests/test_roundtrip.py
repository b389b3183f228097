"""The record survives a move between databases: SQLite to PostgreSQL and back (or PostgreSQL to
SQLite and back, when the suite runs on PostgreSQL), with identical API output, ids included.

The move is the documented one (docs/deploy.md): ``dumpdata auth.user authtoken tracker
--natural-foreign``
on one side, ``migrate`` and ``loaddata`` on a fresh database of the other kind. Each far side
runs in a subprocess (tests/roundtrip.py) with its own DATABASE_URL or SQLITE_PATH. A run on
SQLite needs a PostgreSQL server (POSTGRES_SERVER_URL, default the local one); without one the
test is skipped, except under CI, where it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import ActorFactory, EventFactory
from tests.roundtrip import DUMPED, crawl

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("POSTGRES_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _server_url() -> str:
    """The PostgreSQL server to make the fresh database on: the suite's own, if it runs on one."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
    return SERVER


@pytest.fixture
def fresh_postgres():
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    server = _server_url()
    name = f"{os.environ.get('ROUNDTRIP_DB_PREFIX', 'roundtrip')}_{os.getpid()}"
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"the round trip needs a PostgreSQL server at {server}: {error}")
        pytest.skip(f"no PostgreSQL server at {server}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def far_side(dump: str, workdir: Path, **database) -> dict:
    """Load ``dump`` into the fresh database ``database`` names; what tests/roundtrip.py saw."""
    dump_path, out_path = workdir / "in.json", workdir / "out.json"
    dump_path.write_text(dump, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        database, DJANGO_SETTINGS_MODULE="config.settings",
        THROTTLE_ANON_RATE="off", THROTTLE_USER_RATE="off",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "tests.roundtrip", str(dump_path), str(out_path)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out_path.read_text(encoding="utf-8"))


def test_the_record_moves_to_the_other_database_and_back_unchanged(api, tmp_path, fresh_postgres):
    # Gaps in the ids, as any database that has seen deletions has: a move must keep each id
    # (and so every API address), not renumber the rows.
    for factory in (ActorFactory, EventFactory):
        doomed = factory()
        factory()
        doomed.delete()
    here = crawl(api)
    out = StringIO()
    call_command("dumpdata", *DUMPED, natural_foreign=True, indent=1, stdout=out)

    sqlite = {"SQLITE_PATH": str(tmp_path / "roundtrip.sqlite3")}
    postgres = {"DATABASE_URL": fresh_postgres}
    there_db, back_db = (postgres, sqlite) if connection.vendor == "sqlite" else (sqlite, postgres)
    (tmp_path / "there").mkdir()
    (tmp_path / "back").mkdir()
    there = far_side(out.getvalue(), tmp_path / "there", **there_db)
    back = far_side(there["dump"], tmp_path / "back", **back_db)

    assert {there["vendor"], back["vendor"]} == {"sqlite", "postgresql"}
    assert back["vendor"] == connection.vendor
    # The lists, then every event, claim, actor and source, each with its history.
    assert len(here) == 7 + 2 * (36 + 140 + 57 + 5)
    assert there["crawl"] == here
    assert back["crawl"] == here
    # After a load, new rows take the next id on both kinds (the sequence was moved on).
    for side in (there, back):
        highest, new = side["next_id"]
        assert new == highest + 1
