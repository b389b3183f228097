"""Routes of the v1 API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tracker.api import changes, stats, views

router = DefaultRouter()
router.register("events", views.EventViewSet, basename="event")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("changes/", changes.ChangeListView.as_view(), name="changes"),
    path("stats/timeline/", stats.TimelineStatsView.as_view(), name="stats-timeline"),
    path("stats/actors/", stats.ActorStatsView.as_view(), name="stats-actors"),
    path("stats/sources/", stats.SourceStatsView.as_view(), name="stats-sources"),
    path("stats/claims/", stats.ClaimStatsView.as_view(), name="stats-claims"),
    *router.urls,
]
