"""Backups that a running server can go on writing through: a consistent copy of the database.

- **SQLite**: SQLite's online backup API (``sqlite3.Connection.backup``) copies every page of the
  database in one step, inside one read transaction: the copy is the database as of that
  moment, every transaction committed before it included, none half-written. In WAL mode
  (config/settings.py) the server's writers go on meanwhile. The copy is written beside the
  target and renamed into place, checked with ``PRAGMA integrity_check``, and switched out of
  WAL mode, so it is one self-contained file.
- **PostgreSQL**: ``pg_dump`` in its custom format, which reads the whole database in one
  snapshot transaction; the tables, the record-version triggers and their function, the indexes
  and the sequences are all in it. Restore with ``pg_restore`` (docs/deploy.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

COUNTED = ("tracker_source", "tracker_actor", "tracker_event", "tracker_claim")


class BackupError(Exception):
    """The backup could not be made; the message says what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    rows: dict[str, int]  # rows of the record's main tables in the copy (SQLite)


def backup(settings_dict: dict, vendor: str, path: Path) -> Backup:
    if vendor == "sqlite":
        return backup_sqlite(Path(settings_dict["NAME"]), path)
    if vendor == "postgresql":
        return backup_postgresql(settings_dict, path)
    raise BackupError(f"No backup for the '{vendor}' database: use its own tools.")


def backup_sqlite(database: Path, path: Path, *, timeout: float = 20.0) -> Backup:
    if str(database) == ":memory:" or not database.exists():
        raise BackupError(f"There is no SQLite database file at {database}.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=timeout)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"The copy failed its integrity check: {verdict}")
            rows = {
                table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in COUNTED
            }
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, path)
    return Backup(path=path, size=path.stat().st_size, rows=rows)


def backup_postgresql(settings_dict: dict, path: Path) -> Backup:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed here. Install PostgreSQL's client tools (Debian: "
            "apt-get install postgresql-client, of the server's major version or newer) and run "
            "this again, or run on a machine that has them: "
            f"pg_dump --format=custom --file {path} <the database URL>. "
            "How to restore: docs/deploy.md, 'Backup and restore'."
        )
    partial = path.with_name(path.name + ".partial")
    env = {**os.environ, **_libpq_environment(settings_dict)}
    result = subprocess.run(
        [pg_dump, "--format=custom", "--file", str(partial), settings_dict["NAME"]],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    os.replace(partial, path)
    return Backup(path=path, size=path.stat().st_size, rows={})


def _libpq_environment(settings_dict: dict) -> dict[str, str]:
    """The connection settings as the PG* variables pg_dump and pg_restore read."""
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    return {
        variable: str(settings_dict[key])
        for key, variable in names.items()
        if settings_dict.get(key)
    }
