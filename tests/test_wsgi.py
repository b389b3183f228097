"""The WSGI entry point: the garbage collector runs between requests, not in the middle of one."""

import gc

import pytest

from config import wsgi  # noqa: F401  # sets the collector up, as gunicorn does

pytestmark = pytest.mark.django_db


def test_a_request_leaves_no_young_garbage_once_answered(client):
    """The collector's threshold is far above what a page allocates, and the young generations
    are collected when the response is closed (``request_finished``), after it has gone."""
    assert gc.get_threshold()[0] == 50_000
    assert gc.isenabled()
    collected = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    gc.callbacks.append(note)
    try:
        response = client.get("/api/v1/events/?page_size=50")
        during = list(collected)  # the test client closes the response before it returns
    finally:
        gc.callbacks.remove(note)
    assert response.status_code == 200
    assert 1 in during  # the collection after the response
