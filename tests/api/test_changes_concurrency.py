"""The change feed under concurrent writers: a cursor taken mid-way resumes with no change missed
or repeated, against gunicorn with several worker processes (``tests/server.py``).

Writers create records through the API from several threads at once while a follower polls the
feed from a cursor taken before they start, always resuming from the last ``next`` it was given.
When the writers are done, the follower's changes must be exactly those a fresh read from the
same cursor lists, in the same order: a change whose id was taken before another's but committed
after it would be skipped by the follower (it had already moved past that id). On SQLite one
writer runs at a time; on PostgreSQL the record version's row lock orders them
(``tracker.changes``).
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.server

WRITERS, RECORDS_EACH = 6, 8
BUDGET = 90  # seconds for the whole run, server start included


def get(server, path, auth):
    status, _, content = server.request("GET", path, headers=auth)
    assert status == 200, content[:500]
    return json.loads(content)


def local(url: str) -> str:
    return url[url.index("/api/") :]


@pytest.mark.parametrize(
    "site",
    ["sqlite_site", pytest.param("postgresql_site", marks=pytest.mark.django_db(transaction=True))],
)
def test_a_cursor_resumes_with_nothing_missed_or_repeated_while_others_write(request, site):
    started = time.monotonic()
    server, token = request.getfixturevalue(site)
    auth = {"Authorization": f"Token {token}"}
    # The end of the feed as it stands: the cursor the follower starts from.
    body = get(server, "/api/v1/changes/?limit=1000", auth)
    while body["more"]:
        body = get(server, local(body["next"]), auth)
    since = parse_qs(urlsplit(body["next"]).query)["since"][0]
    start = f"/api/v1/changes/?limit=5&since={since}"  # small pages: many polls

    failures: list[str] = []
    followed: list[dict] = []
    polls_while_writing: list[int] = []
    writing = threading.Event()
    writing.set()
    go = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        try:
            go.wait(timeout=30)
            for n in range(RECORDS_EACH):
                status, _, content = server.request(
                    "POST",
                    "/api/v1/actors/",
                    {"name": f"Writer {number} record {n}", "kind": "person"},
                    auth,
                )
                if status != 201:
                    failures.append(f"writer {number}: {status} {content[:300]!r}")
        except Exception as error:
            failures.append(f"writer {number}: {error!r}")
            go.abort()

    def follower() -> None:
        resume = start
        try:
            while True:
                last_round = not writing.is_set()  # read once more after the last write
                page = get(server, resume, auth)
                if not last_round:
                    polls_while_writing.append(len(page["results"]))
                followed.extend(page["results"])
                resume = local(page["next"])
                if last_round and not page["more"]:
                    return
        except Exception as error:
            failures.append(f"follower: {error!r}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    reading = threading.Thread(target=follower)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BUDGET)
    writing.clear()
    reading.join(timeout=60)

    assert failures == []
    # The follower read the feed as it grew, not only once the writers were done.
    assert len(polls_while_writing) >= 5 and sum(polls_while_writing) > 0
    everything = []
    body = get(server, start, auth)
    everything += body["results"]
    while body["more"]:
        body = get(server, local(body["next"]), auth)
        everything += body["results"]
    cursors = [change["cursor"] for change in followed]
    assert len(cursors) == len(set(cursors)), "a change came twice"
    assert cursors == [change["cursor"] for change in everything], "a change was missed"
    created = {change["slug"] for change in followed if change["type"] == "created"}
    assert created == {
        f"writer-{number}-record-{n}" for number in range(WRITERS) for n in range(RECORDS_EACH)
    }
    log = server.log.read_text()
    assert "Traceback" not in log and "database is locked" not in log, log[-3000:]
    assert time.monotonic() - started < BUDGET
