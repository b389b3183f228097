"""Many curators writing the same claim at once, on PostgreSQL: no lost update, no torn read.

Each round, every writer reads the claim (all see the same version), then all send their
PATCH with that version's ETag in If-Match at the same moment. Exactly one wins the round
(200); every other gets 412 and writes nothing. The history holds exactly the winning writes,
in order. Readers run all the while: every answer is complete JSON whose ETag is the hash of
the body it came with.
"""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.test_preconditions import committed_record  # noqa: F401  (a fixture)
from tracker.api.conditional import etag_for
from tracker.models import Claim

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

WRITERS, ROUNDS, READERS = 8, 5, 3


def _client(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_many_writers_one_winner_per_version_and_readers_always_get_json(
    committed_record,  # noqa: F811
    curator,
):
    claim = Claim.objects.get(slug="matsegora-trade-at-lows-2020")
    url = f"/api/v1/claims/{claim.pk}/"
    token = Token.objects.create(user=curator).key
    history_before = Claim.history.filter(id=claim.pk).count()
    read_done, write_done = threading.Barrier(WRITERS), threading.Barrier(WRITERS)
    outcomes: dict[int, list[tuple[int, str]]] = {r: [] for r in range(ROUNDS)}
    reads: list[tuple[str, int, str]] = []
    failures: list[str] = []
    writing = threading.Event()
    writing.set()

    def writer(number: int) -> None:
        client = _client(token)
        try:
            for round_ in range(ROUNDS):
                etag = client.get(url)["ETag"]
                read_done.wait(timeout=30)  # every writer holds the same version
                text = f"Round {round_}, curator {number}."
                response = client.patch(url, {"text": text}, format="json", HTTP_IF_MATCH=etag)
                outcomes[round_].append((response.status_code, text))
                write_done.wait(timeout=30)
        except Exception as error:  # a broken barrier or a crash: fail the test, not hang it
            failures.append(f"writer {number}: {error!r}")
            read_done.abort()
            write_done.abort()
        finally:
            connection.close()

    def reader() -> None:
        client = _client()
        paths = [url, f"{url}history/", "/api/v1/claims/?claimant=alexander-matsegora"]
        try:
            while writing.is_set():
                for path in paths:
                    response = client.get(path)
                    body = json.loads(response.content)  # complete JSON, or this raises
                    etag = response.get("ETag", "")
                    reads.append((path, response.status_code, etag))
                    if path == url and etag != etag_for(body):
                        failures.append(f"torn read: the ETag is not that of the body, {body}")
        except Exception as error:
            failures.append(f"reader: {error!r}")
        finally:
            connection.close()

    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in readers:
        thread.join(timeout=30)

    assert failures == []
    winners = []
    for round_, results in outcomes.items():
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] + [412] * (WRITERS - 1), (round_, statuses)
        winners.extend(text for status, text in results if status == 200)
    claim.refresh_from_db()
    assert claim.text == winners[-1]
    # History: one entry per winning write, in the order they won, and nothing else.
    changes = Claim.history.filter(id=claim.pk).order_by("history_date", "history_id")
    assert changes.count() == history_before + ROUNDS
    assert [row.text for row in changes][-ROUNDS:] == winners
    assert len(reads) >= READERS * 3
    assert {status for _, status, _ in reads} == {200}
