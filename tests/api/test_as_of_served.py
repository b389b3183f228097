"""as_of under gunicorn: threads and processes reading many moments at once, while a curator
writes, always get the same answer for the same URL, and leave no snapshot file behind.

Two workers of four threads each keep at most two snapshots each (``AS_OF_SNAPSHOTS``), so
readers of four moments make snapshots be built, shared and evicted while others read them.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.server

READERS, ROUNDS = 8, 6
SLUG = "matsegora-trade-at-lows-2020"
# Two workers of four threads, each keeping two snapshots (tests/api/conftest.py).
SITE_WORKERS = 2
SITE_ENVIRONMENT = {
    "GUNICORN_CMD_ARGS": "--threads 4",
    "AS_OF_SNAPSHOTS": "2",
    "AS_OF_DIRECTORY": "{tmp}/as_of",
}


def now() -> str:
    return quote(datetime.now(UTC).isoformat())


@pytest.mark.parametrize(
    "site",
    ["sqlite_site", pytest.param("postgresql_site", marks=pytest.mark.django_db(transaction=True))],
)
def test_concurrent_readers_of_many_moments(request, site, tmp_path):
    server, token = request.getfixturevalue(site)
    auth = {"Authorization": f"Token {token}"}
    status, _, content = server.request("GET", "/api/v1/claims/?claimant=alexander-matsegora")
    claim = next(item for item in json.loads(content)["results"] if item["slug"] == SLUG)
    url = f"/api/v1/claims/{claim['id']}/"

    def write(text):
        etag = server.request("GET", url)[1]["etag"]
        status, _, body = server.request("PATCH", url, {"text": text}, {**auth, "If-Match": etag})
        assert status == 200, body

    before = now()
    time.sleep(0.01)
    write("Trade is at record lows.")
    time.sleep(0.01)
    after = now()
    moments = ["2001-01-01", before, after, now()]
    paths = [
        f"{path}{'&' if '?' in path else '?'}as_of={moment}"
        for moment in moments
        for path in (
            "/api/v1/claims/?page_size=200",
            "/api/v1/events/?format=csv",
            "/api/v1/stats/timeline/",
            "/api/v1/events/?q=trade",
            url,
        )
    ]
    answers: dict[str, set[bytes]] = {path: set() for path in paths}
    statuses: list[tuple[str, int]] = []
    writing = threading.Event()
    writing.set()

    def reader(seed):
        order = random.Random(seed)
        for _ in range(ROUNDS):
            for path in order.sample(paths, len(paths)):
                status, _, body = server.request("GET", path)
                statuses.append((path, status))
                answers[path].add(body)

    def writer():
        n = 0
        while writing.is_set():
            n += 1
            write(f"Trade is at record lows ({n}).")

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(READERS)]
    scribe = threading.Thread(target=writer)
    scribe.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    scribe.join()

    assert {status for path, status in statuses if not path.startswith(url)} == {200}
    # The claim did not exist in 2001; it did at every other moment.
    assert {status for path, status in statuses if path.startswith(url)} == {200, 404}
    changed = {path for path, bodies in answers.items() if len(bodies) != 1}
    assert changed == set()
    detail = json.loads(next(iter(answers[f"{url}?as_of={before}"])))
    assert detail["text"] != "Trade is at record lows."
    detail = json.loads(next(iter(answers[f"{url}?as_of={after}"])))
    assert detail["text"] == "Trade is at record lows."

    server.stop()
    left = [path.name for path in (tmp_path / "as_of").rglob("*")]
    assert left == []
