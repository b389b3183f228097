"""Pages for people: the timeline at ``/``, the embeddable timeline at ``/embed/timeline/`` and
the dashboard at ``/dashboard/``, which read the same API as everyone else."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.generic import TemplateView

from tracker.api.exceptions import error_body
from tracker.api.filters import EventFilter
from tracker.models import Actor, ClaimKind, Event, Tag
from tracker.visibility import reader_filter

FILTERS = ("actor", "tag", "date_from", "date_to", "claim_kind")

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


class FilterChoicesMixin:
    """The choices of the pages' actor and tag filters: actors who take part in an event, and
    every tag, by name (tracker/templates/tracker/actor_tag_filters.html shows them). The pages
    are public: only actors and events readers may read (``tracker.visibility``)."""

    def filter_choices(self) -> dict:
        return {
            "actors": Actor.objects.filter(
                reader_filter(), reader_filter("participations__event__")
            )
            .distinct()
            .order_by("name")
            .values("slug", "name"),
            "tags": Tag.objects.order_by("name").values("slug", "name"),
        }


class TimelinePage(FilterChoicesMixin, TemplateView):
    """The filter form is rendered here (its choices from the record); the events are fetched
    by tracker/static/tracker/timeline.js from /api/v1/events/ with the same parameters."""

    template_name = "tracker/timeline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **self.filter_choices(),
            claim_kinds=[(kind.value, f"{kind.label.capitalize()}s only") for kind in ClaimKind],
            chosen={name: self.request.GET.get(name, "") for name in FILTERS},
            map_tile_url=settings.MAP_TILE_URL,
            map_tile_attribution=settings.MAP_TILE_ATTRIBUTION,
            **kwargs,
        )


@method_decorator(xframe_options_exempt, name="dispatch")
class EmbedTimelinePage(TemplateView):
    """A TimelineJS3 timeline of the events the query's filters give (any filter of
    ``/api/v1/events/``), for a story to put in an ``<iframe>``: the one page that other sites may
    frame (``EMBED_FRAME_ANCESTORS``). TimelineJS is served by the project (vendor/, from npm)
    and reads ``/api/v1/events/?format=timelinejs`` with the same filters. Bad filters are a
    400 in the API's error shape, naming them, as the API would answer."""

    template_name = "tracker/embed_timeline.html"

    def get(self, request, *args, **kwargs):
        # Checked by the API's own FilterSet, so the page and its data agree on every parameter.
        params = {name: value for name, value in request.GET.items() if name in EMBED_FILTERS}
        checked = EventFilter(data=params, queryset=Event.objects.none())
        if not checked.is_valid():
            errors = {name: list(messages) for name, messages in checked.errors.items()}
            return JsonResponse(error_body(400, "invalid", "Invalid input.", errors), status=400)
        data_url = f"{reverse('event-list')}?{urlencode({**params, 'format': 'timelinejs'})}"
        response = self.render_to_response(self.get_context_data(data_url=data_url))
        # The site's whole policy (tracker's CONTENT_SECURITY_POLICY), but who may frame it.
        response._csp_replace = {"frame-ancestors": settings.EMBED_FRAME_ANCESTORS.split()}
        return response


# The event filters the embed passes on (all of the list's but pagination and claim_kind).
EMBED_FILTERS = (
    "date_from", "date_to", "actor", "tag", "precision", "attested", "q", "ordering",
)  # fmt: skip


class DashboardPage(FilterChoicesMixin, TemplateView):
    """Charts of the record at /dashboard/, drawn in the browser (tracker/static/dashboard/) from
    the stats endpoints, one request per chart, with the timeline page's filters in the URL."""

    template_name = "tracker/dashboard.html"

    def get_context_data(self, **kwargs):
        chosen = {name: self.request.GET.get(name, "") for name in FILTERS}
        chosen["bucket"] = "month" if self.request.GET.get("bucket") == "month" else "year"
        return super().get_context_data(
            **self.filter_choices(),
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
