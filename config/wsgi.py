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
# of the youngest generation is now above what a page allocates, and each request starts with
# the collections the collector would have made by then: the youngest generation every time (the
# last request's cycles, view and request, a serializer and its fields, are garbage by then),
# an older one when its own threshold (collections of the one below) is reached. Collected as a
# request ended, those cycles were still held by the server, and each was kept: 3 MB an events
# page.
gc.set_threshold(50_000, 20, 10)


def _collect_before_request(**kwargs: object) -> None:
    _, young, old = gc.get_count()  # collections of generation 0, and 1, since the next one's
    _, young_threshold, old_threshold = gc.get_threshold()
    gc.collect(2 if old >= old_threshold else 1 if young >= young_threshold else 0)


request_started.connect(_collect_before_request, dispatch_uid="config.wsgi.collect")
