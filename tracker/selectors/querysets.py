"""Each resource's queryset, with the joins and prefetches its views need.

The API and the admin both start from these, so the number of queries a page costs is designed
here rather than discovered later.
"""

from __future__ import annotations

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.db.models.expressions import BaseExpression

from tracker.models import (
    Actor,
    Claim,
    ClaimRelation,
    Event,
    EventActor,
    Source,
)


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


def claim_list_queryset() -> QuerySet[Claim]:
    """Claims with claimant, source and publisher; their events and relations come from
    ``claim_links`` for the whole page at once (``claim_queryset``'s prefetches build a related
    manager and a queryset per claim, 10 ms on a page of 50)."""
    return Claim.objects.select_related("claimant", "source__publisher").defer(
        "source__text", "source__notes", "source__publisher__notes"
    )


def event_queryset() -> QuerySet[Event]:
    """Events with their participants, tags and their claims embedded, in a constant query count."""
    return Event.objects.select_related("place").prefetch_related(
        Prefetch(
            "participations",
            queryset=EventActor.objects.select_related("actor").order_by("id"),
        ),
        "tags",
        Prefetch("claims", queryset=claim_queryset().order_by("stated_start", "id")),
    )


def attested_events(attested: bool = True) -> BaseExpression:
    """A condition on events: at least one claim with a quote (every claim has a source) attaches
    to the event; ``False`` for the events without such evidence."""
    evidence = Exists(
        Claim.events.through.objects.filter(event_id=OuterRef("pk")).exclude(claim__quote="")
    )
    return evidence if attested else ~evidence


def event_list_queryset() -> QuerySet[Event]:
    """Events alone (and their place): what they embed comes from ``event_embeds`` for the whole
    page at once."""
    return Event.objects.select_related("place").defer("notes", "created", "updated")


def actor_queryset() -> QuerySet[Actor]:
    return Actor.objects.select_related("affiliation")


_CREDITS = Prefetch("credits", queryset=Actor.objects.only("id", "slug", "name", "kind"))


def source_list_queryset() -> QuerySet[Source]:
    """Sources without their (long) text, which lists leave out."""
    return Source.objects.select_related("publisher").defer("text").prefetch_related(_CREDITS)


def source_detail_queryset() -> QuerySet[Source]:
    """A source with its claims (in text order) and their events, from which its events come."""
    events = Event.objects.only("id", "slug", "title", "date", "date_start", "date_end")
    return Source.objects.select_related("publisher").prefetch_related(
        _CREDITS,
        Prefetch(
            "claims",
            queryset=Claim.objects.select_related("claimant")
            .prefetch_related(Prefetch("events", queryset=events))
            .order_by("quote_start", "id"),
        ),
    )


def source_events(source: Source) -> list[Event]:
    """The events a source reports: those of its claims, each once, in the events' order.
    Reads what ``source_detail_queryset`` prefetched."""
    found = {event.pk: event for claim in source.claims.all() for event in claim.events.all()}
    return sorted(found.values(), key=lambda event: (event.date_start, event.date_end, event.title))
