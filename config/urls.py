"""URL roots: the timeline page, the admin, the v1 API and its OpenAPI schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracker.views import TimelinePage

urlpatterns = [
    path("", TimelinePage.as_view(), name="timeline"),
    path("", include("tracker.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

handler400 = "tracker.api.exceptions.bad_request"
handler404 = "tracker.api.exceptions.not_found"
handler500 = "tracker.api.exceptions.server_error"
