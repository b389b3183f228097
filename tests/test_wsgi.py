"""The WSGI entry point: the garbage collector runs between requests, not in the middle of one."""

import gc
import io
import json

import pytest
from django.core import signals
from django.db import close_old_connections

from config import wsgi
from tests.factories import ClaimFactory, EventFactory, SourceFactory

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


def _served(path: str, query: str) -> tuple[str, bytes]:
    """A GET as gunicorn makes it: the WSGI application, its body read, then closed."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "HTTP_CACHE_CONTROL": "no-cache",  # computed, not the kept answer
    }
    statuses = []
    body = wsgi.application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        return statuses[0], b"".join(body)
    finally:
        body.close()


def test_a_pages_records_are_freed_as_its_answer_is_dropped_not_by_the_collector(monkeypatch):
    """What a page is made from (rows, embeds, representation) is let go of once the answer is
    rendered (``PageEmbedsMixin._let_go``): what a request leaves to the collector is its own
    few cycles, whatever the size of the page."""
    source = SourceFactory()
    for n in range(30):
        ClaimFactory.create_batch(
            3, source=source, events=[EventFactory(date=f"1960-{n % 12 + 1:02d}")]
        )
    # As Django's test client does: the test's connection stays open between its requests.
    for signal in (signals.request_started, signals.request_finished):
        monkeypatch.setattr(signal, "receivers", list(signal.receivers))  # restored after it
        signal.disconnect(close_old_connections)
    left = {}
    for size in (1, 30):
        query = f"date_from=1960&date_to=1960&page_size={size}"
        status, body = _served("/api/v1/events/", query)  # the SQL kept, the caches warm
        assert status.startswith("200") and len(json.loads(body)["results"]) == size
        gc.collect()
        _served("/api/v1/events/", query)
        left[size] = gc.collect()
    # Left to the collector, 29 more events with 3 claims each were 550 more objects (29 now:
    # the rows, which the list serializer's child keeps a copy of the list of).
    assert left[30] - left[1] < 50, left
