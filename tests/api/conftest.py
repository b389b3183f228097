"""The served sites of the API's tests that need real gunicorn workers (concurrency, the record
cache across workers, as_of snapshots read by threads): one on a copy of the SQLite record, one
on a PostgreSQL database (tests/server.py). A module sets ``SITE_WORKERS`` (default 4) and
``SITE_ENVIRONMENT`` (extra environment of the server, ``{tmp}`` standing for the test's
temporary folder) to shape them."""

import pytest

from tests.server import postgresql_site as served_on_postgresql
from tests.server import sqlite_site as served_on_sqlite


def _shape(request, tmp_path, monkeypatch) -> int:
    for name, value in getattr(request.module, "SITE_ENVIRONMENT", {}).items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    return getattr(request.module, "SITE_WORKERS", 4)


@pytest.fixture
def sqlite_site(request, tmp_path, monkeypatch):
    workers = _shape(request, tmp_path, monkeypatch)
    with served_on_sqlite(tmp_path, workers=workers) as site:
        yield site


@pytest.fixture
def postgresql_site(request, tmp_path, monkeypatch):
    workers = _shape(request, tmp_path, monkeypatch)
    with served_on_postgresql(request, tmp_path, workers=workers) as site:
        yield site
