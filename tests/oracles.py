"""Reference querysets the tests render the declared serializers from: every embedded record
through the ORM's prefetches, the plain way the fast path (``tracker.selectors.embeds``, the
shapes' builders) must agree with."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tracker.models import Claim, ClaimRelation, Event, EventActor


def claim_queryset() -> QuerySet[Claim]:
    """Claims with what a claim's JSON embeds: claimant, source and publisher, events, relations.

    The source's text (the whole document) is left behind: a claim embeds only its brief form.
    """
    return (
        Claim.objects.select_related("claimant", "source__publisher")
        .defer("source__text", "source__notes", "source__publisher__notes")
        .prefetch_related(
            Prefetch("events", queryset=Event.objects.only("id", "slug")),
            Prefetch("relations_out", queryset=ClaimRelation.objects.order_by("id")),
            Prefetch("relations_in", queryset=ClaimRelation.objects.order_by("id")),
        )
    )


def event_queryset() -> QuerySet[Event]:
    """Events with their place, participants, tags and claims (with theirs), in a constant
    number of queries."""
    return Event.objects.select_related("place").prefetch_related(
        Prefetch(
            "participations",
            queryset=EventActor.objects.select_related("actor").order_by("id"),
        ),
        "tags",
        Prefetch("claims", queryset=claim_queryset().order_by("stated_start", "id")),
    )
