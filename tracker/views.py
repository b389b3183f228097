"""Pages for people: the timeline at ``/``, which reads the same API as everyone else."""

from __future__ import annotations

from django.views.generic import TemplateView

from tracker.models import Actor, ClaimKind, Tag

FILTERS = ("actor", "tag", "date_from", "date_to", "claim_kind")


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
            claim_kinds=[(kind.value, f"{kind.label.capitalize()}s only") for kind in ClaimKind],
            chosen={name: self.request.GET.get(name, "") for name in FILTERS},
            **kwargs,
        )
