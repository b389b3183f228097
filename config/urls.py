"""URL roots: the timeline page and its embeddable form, the admin, the v1 API and its OpenAPI
schema and docs, and the health check."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from tracker.api.health import HealthView
from tracker.views import EmbedTimelinePage, TimelinePage

urlpatterns = [
    path("", TimelinePage.as_view(), name="timeline"),
    path("embed/timeline/", EmbedTimelinePage.as_view(), name="embed-timeline"),
    path("", include("tracker.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up script from ?script, not inline: no 'unsafe-inline'.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="tracker/api_docs.html"
        ),
        name="docs",
    ),
    # ReDoc starts from an inline script and styles itself with inline <style>: its page only.
    path(
        "api/redoc/",
        csp_update(
            {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}
        )(SpectacularRedocView.as_view(url_name="schema")),
        name="redoc",
    ),  # fmt: skip
]

handler400 = "tracker.api.exceptions.bad_request"
handler404 = "tracker.api.exceptions.not_found"
handler500 = "tracker.api.exceptions.server_error"
