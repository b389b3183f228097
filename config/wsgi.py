"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.signals import request_finished
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
# collections then walked pages still being built (40-50 ms, docs/benchmarks.md). A request's
# own cycles (view and request, a serializer and its fields) are garbage once it is answered:
# they are collected then, after the response has gone, in about 0.4 ms; the threshold stays
# as the backstop for a request that allocates more than it.
gc.set_threshold(50_000, 20, 100)


def _collect_after_response(**kwargs: object) -> None:
    gc.collect(1)


request_finished.connect(_collect_after_response, dispatch_uid="config.wsgi.collect")
