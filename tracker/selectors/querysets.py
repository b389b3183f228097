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
from django.db.models.expressions import Combinable

from tracker import visibility
from tracker.models import (
    Actor,
    Claim,
    Event,
    Source,
)


def claim_list_queryset() -> QuerySet[Claim]:
    """Claims with what a claim's JSON reads in its row: claimant, source and publisher, without
    the source's text (the whole document). Their events and relations come from
    ``embeds.claim_links`` for the whole page at once: prefetches would build a related manager
    and a queryset per claim (docs/benchmarks.md)."""
    return Claim.objects.select_related("claimant", "source__publisher").defer(
        "source__text", "source__notes", "source__publisher__notes"
    )


def attested_events(attested: bool = True, *, readers: bool = False) -> Combinable:
    """A condition on events: at least one claim with a quote (every claim has a source) attaches
    to the event; ``False`` for the events without such evidence. For ``readers``, the claims
    they may read are the evidence (a draft claim attests nothing to them)."""
    links = Claim.events.through.objects.filter(event_id=OuterRef("pk")).exclude(claim__quote="")
    if readers:
        links = links.filter(visibility.reader_filter("claim__"))
    evidence = Exists(links)
    return evidence if attested else ~evidence


def event_list_queryset() -> QuerySet[Event]:
    """Events alone (and their place): what they embed comes from ``embeds.event_embeds`` for
    the whole page at once."""
    return Event.objects.select_related("place").defer("notes", "created", "updated")


def actor_queryset() -> QuerySet[Actor]:
    return Actor.objects.select_related("affiliation")


_CREDITS = Prefetch("credits", queryset=Actor.objects.only("id", "slug", "name", "kind"))


def source_list_queryset() -> QuerySet[Source]:
    """Sources without their (long) text, which lists leave out."""
    return Source.objects.select_related("publisher").defer("text").prefetch_related(_CREDITS)


def source_detail_queryset(*, readers: bool = True) -> QuerySet[Source]:
    """A source with its claims (in text order) and their events, from which its events come;
    for a reader, only the claims and events readers may read."""
    events = Event.objects.only("id", "slug", "title", "date", "date_start", "date_end")
    claims = Claim.objects.select_related("claimant")
    if readers:
        events = events.filter(visibility.reader_filter())
        claims = claims.filter(visibility.reader_filter())
    return Source.objects.select_related("publisher").prefetch_related(
        _CREDITS,
        Prefetch(
            "claims",
            queryset=claims.prefetch_related(Prefetch("events", queryset=events)).order_by(
                "quote_start", "id"
            ),
        ),
    )


def source_events(source: Source) -> list[Event]:
    """The events a source reports: those of its claims, each once, in the events' order.
    Reads what ``source_detail_queryset`` prefetched."""
    found = {event.pk: event for claim in source.claims.all() for event in claim.events.all()}
    return sorted(found.values(), key=lambda event: (event.date_start, event.date_end, event.title))
