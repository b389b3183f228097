"""Routes of the pages for people beyond the timeline: the dashboard."""

from django.urls import path

from tracker.views import DashboardPage

urlpatterns = [
    path("dashboard/", DashboardPage.as_view(), name="dashboard"),
]
