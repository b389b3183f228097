"""Routes of the v1 API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tracker.api import views

router = DefaultRouter()
router.register("events", views.EventViewSet, basename="event")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("stats/timeline/", views.TimelineStatsView.as_view(), name="stats-timeline"),
    *router.urls,
]
