"""Many curators writing the same claim at once, against gunicorn with several worker processes.

The project is served as a user runs it (``tests/server.py``): on a fresh SQLite file (always:
the embedded database is what most people run), and on PostgreSQL when the suite runs there.
Each round, every writer reads the claim (all see the same version), then all send their PATCH
with that version's ETag in If-Match at the same moment. Only 200 and 412 come back: exactly one
200 a round, the others write nothing. The history holds exactly the winning writes, in order.
Readers run all the while: every answer is complete JSON whose ETag is the hash of its body.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from tracker.api.conditional import etag_for

pytestmark = pytest.mark.server

WRITERS, ROUNDS, READERS = 8, 5, 3
SLUG = "matsegora-trade-at-lows-2020"
BUDGET = 60  # seconds for the whole run, server start included


@pytest.mark.parametrize(
    "site",
    ["sqlite_site", pytest.param("postgresql_site", marks=pytest.mark.django_db(transaction=True))],
)
def test_many_writers_one_winner_per_version_and_readers_always_get_json(request, site):
    started = time.monotonic()
    server, token = request.getfixturevalue(site)
    auth = {"Authorization": f"Token {token}"}
    status, _, content = server.request("GET", "/api/v1/claims/?claimant=alexander-matsegora")
    claim = next(item for item in json.loads(content)["results"] if item["slug"] == SLUG)
    url = f"/api/v1/claims/{claim['id']}/"
    history_before = json.loads(server.request("GET", f"{url}history/")[2])["count"]

    read_done, write_done = threading.Barrier(WRITERS), threading.Barrier(WRITERS)
    outcomes: dict[int, list[tuple[int, str]]] = {r: [] for r in range(ROUNDS)}
    reads: list[tuple[str, int]] = []
    failures: list[str] = []
    writing = threading.Event()
    writing.set()

    def writer(number: int) -> None:
        try:
            for round_ in range(ROUNDS):
                etag = server.request("GET", url)[1]["etag"]
                read_done.wait(timeout=30)  # every writer holds the same version
                text = f"Round {round_}, curator {number}."
                status, _, body = server.request(
                    "PATCH", url, {"text": text}, {**auth, "If-Match": etag}
                )
                outcomes[round_].append((status, text))
                if status not in (200, 412):
                    failures.append(f"writer {number}, round {round_}: {status} {body[:300]!r}")
                write_done.wait(timeout=30)
        except Exception as error:  # a broken barrier or a crash: fail the test, not hang it
            failures.append(f"writer {number}: {error!r}")
            read_done.abort()
            write_done.abort()

    origin = f"http://127.0.0.1:{server.port}"  # the ETag hashes the body's addresses without it

    def reader() -> None:
        paths = [url, f"{url}history/", "/api/v1/claims/?claimant=alexander-matsegora"]
        try:
            while writing.is_set():
                for path in paths:
                    status, headers, content = server.request("GET", path)
                    body = json.loads(content)  # complete JSON, or this raises
                    reads.append((path, status))
                    if path == url and headers.get("etag") != etag_for(body, origin):
                        failures.append(f"torn read: the ETag is not that of the body, {body}")
        except Exception as error:
            failures.append(f"reader: {error!r}")

    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=BUDGET)
    writing.clear()
    for thread in readers:
        thread.join(timeout=30)

    assert failures == []
    winners = []
    for round_, results in outcomes.items():
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] + [412] * (WRITERS - 1), (round_, statuses)
        winners.extend(text for status, text in results if status == 200)
    assert json.loads(server.request("GET", url)[2])["text"] == winners[-1]
    # History: one entry per winning write, in the order they won, and nothing else.
    history = json.loads(server.request("GET", f"{url}history/?page_size=200")[2])
    assert history["count"] == history_before + ROUNDS
    texts = [
        change["new"]
        for entry in reversed(history["results"][:ROUNDS])
        for change in entry["changes"]
        if change["field"] == "text"
    ]
    assert texts == winners
    assert len(reads) >= READERS * 3
    assert {status for _, status in reads} == {200}
    log = server.log.read_text()
    assert "Traceback" not in log and "database is locked" not in log, log[-3000:]
    assert time.monotonic() - started < BUDGET
