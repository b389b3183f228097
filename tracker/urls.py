"""Routes of the pages for people beyond the timeline: the dashboard, the Atom feed of changes."""

from django.urls import path

from tracker.feeds import ChangesFeed
from tracker.views import DashboardPage

urlpatterns = [
    path("dashboard/", DashboardPage.as_view(), name="dashboard"),
    path("feeds/changes.atom", ChangesFeed(), name="changes-feed"),
]
