"""The WSGI entry point: the garbage collector runs between requests, not in the middle of one."""

import gc

import pytest

from config import wsgi

pytestmark = pytest.mark.django_db


def test_the_collector_runs_as_each_request_starts(client):
    """The threshold is far above what a page allocates; the young generation is collected when
    a request starts (``request_started``), when the last one's cycles are garbage."""
    assert gc.get_threshold()[0] == 50_000
    assert gc.isenabled()
    collected = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    gc.callbacks.append(note)
    try:
        assert client.get("/api/v1/events/?page_size=5").status_code == 200
    finally:
        gc.callbacks.remove(note)
    assert len(collected) == 1  # as the request started; none while the page was built


def test_requests_leave_nothing_in_the_oldest_generation(client):
    """A request's garbage is collected young, not promoted to the oldest generation (which no
    automatic collection reaches once the young ones are collected between requests)."""
    for _ in range(3):
        client.get("/api/v1/events/?page_size=50")
    gc.collect()
    before = len(gc.get_objects(2))
    for _ in range(20):
        client.get("/api/v1/events/?page_size=50")
    # Collected as each request ended, a request's cycles (about 75 objects on this small
    # record, 3,000 on a page of 50 at full size) were all still held, and so kept: 1,500 here.
    assert len(gc.get_objects(2)) - before < 20 * 40


def test_older_generations_are_collected_on_the_collectors_own_schedule(monkeypatch):
    """Each request starts with a collection of the youngest generation, of an older one when
    its threshold (collections of the one below since its own last) is reached."""
    generations = []
    counts = iter([(5, 0, 0), (5, 19, 0), (5, 20, 3), (5, 2, 10)])
    monkeypatch.setattr(wsgi.gc, "collect", generations.append)
    monkeypatch.setattr(wsgi.gc, "get_count", lambda: next(counts))
    for _ in range(4):
        wsgi._collect_before_request()
    assert generations == [0, 0, 1, 2]
