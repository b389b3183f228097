"""Pages for people: the timeline at ``/`` and the dashboard at ``/dashboard/``, which read the
same API as everyone else."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import TemplateView

from tracker.models import Actor, Tag

FILTERS = ("actor", "tag", "date_from", "date_to")

# The dashboard's charts, in page order; tracker/static/dashboard/dashboard.js draws each one
# from one stats request.
CHARTS = (
    {
        "id": "timeline",
        "title": "Events and claims over time",
        "what": "Events that start in each period, and the claims attached to them.",
    },
    {
        "id": "status",
        "title": "Claims by status over time",
        "what": "Claims by when they were made, stacked by status: how much of the record is "
        "corroborated, disputed or refuted.",
    },
    {
        "id": "kind",
        "title": "Claims by kind",
        "what": "Statements (a party is reported to have said it) and reports (the document's "
        "own narration).",
    },
    {
        "id": "actors",
        "title": "Most active actors",
        "what": "The events each actor takes part in and the claims each one made, whole record.",
    },
    {
        "id": "sources",
        "title": "Sources by claims",
        "what": "The claims reported in each source, whole record.",
    },
    {
        "id": "publishers",
        "title": "Publishers by claims",
        "what": "The claims reported in each publisher's sources, whole record.",
    },
)


class TimelinePage(TemplateView):
    """The filter form is rendered here (its choices from the record); the events are fetched
    by tracker/static/tracker/timeline.js from /api/v1/events/ with the same parameters."""

    template_name = "tracker/timeline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            actors=Actor.objects.filter(participations__isnull=False)
            .distinct()
            .order_by("name")
            .values("slug", "name"),
            tags=Tag.objects.order_by("name").values("slug", "name"),
            chosen={name: self.request.GET.get(name, "") for name in FILTERS},
            **kwargs,
        )


class DashboardPage(TemplateView):
    """Charts of the record at /dashboard/, drawn in the browser (tracker/static/dashboard/) from
    the stats endpoints, one request per chart, with the timeline page's filters in the URL."""

    template_name = "tracker/dashboard.html"

    def get_context_data(self, **kwargs):
        chosen = {name: self.request.GET.get(name, "") for name in FILTERS}
        chosen["bucket"] = "month" if self.request.GET.get("bucket") == "month" else "year"
        return super().get_context_data(
            actors=Actor.objects.filter(participations__isnull=False)
            .distinct()
            .order_by("name")
            .values("slug", "name"),
            tags=Tag.objects.order_by("name").values("slug", "name"),
            chosen=chosen,
            charts=CHARTS,
            endpoints={
                "timeline": reverse("stats-timeline"),
                "claims": reverse("stats-claims"),
                "actors": reverse("stats-actors"),
                "sources": reverse("stats-sources"),
                "timelinePage": reverse("timeline"),
                "claimList": reverse("claim-list"),
                "sourceList": reverse("source-list"),
            },
            **kwargs,
        )
