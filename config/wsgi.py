"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # import the views now, before freezing  # noqa: B018

# Everything loaded so far lives as long as the process: moved out of the garbage collector's
# reach, a full collection no longer walks it in the middle of a request (latency spikes of
# tens of milliseconds on large responses otherwise).
gc.freeze()

# The collector runs between requests rather than in the middle of one. With the default
# threshold (700 allocations) an events page set off about seven collections while it was being
# built, each walking the page's objects, which moved them to the older generations: the full
# collections then walked pages still being built (40-50 ms, docs/benchmarks.md). The threshold
# is now above what a page allocates, and the young generations are collected when the next
# request starts: the last one's cycles (view and request, a serializer and its fields) are
# garbage by then, where at its own end they are still held by the server (collected then, they
# would be kept in the oldest generation, which no automatic collection reaches any more).
# Every FULL_COLLECTION_EVERY requests the collection is a full one, for what became garbage
# once old (or was still held when a collection ran: another thread's request), about 1 ms.
gc.set_threshold(50_000, 20, 100)
FULL_COLLECTION_EVERY = 100
_started = 0


def _collect_before_request(**kwargs: object) -> None:
    global _started
    _started += 1
    gc.collect(2 if _started % FULL_COLLECTION_EVERY == 0 else 1)


request_started.connect(_collect_before_request, dispatch_uid="config.wsgi.collect")
