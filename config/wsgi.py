"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # import the views now, before freezing  # noqa: B018

# Everything loaded so far lives as long as the process: moved out of the garbage collector's
# reach, a full collection no longer walks it in the middle of a request (latency spikes of
# tens of milliseconds on large responses otherwise).
gc.freeze()
