"""GeoJSON (RFC 7946) of the events: a FeatureCollection, a Feature per event.

The geometry is the event's place as a Point (``[longitude, latitude]``, WGS 84, as RFC 7946
orders them); an event without a place is a Feature whose ``geometry`` is ``null``, so the
collection still lists every event the filters give. ``properties`` hold what a map's popup
needs: slug, title, the API address, the EDTF date and its bounds, location, place, tags,
attested and how many claims it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from rest_framework.request import Request

from tracker.api.formats import GeoJSONRenderer, ListFormat, json_array
from tracker.api.formats.events import event_json
from tracker.models import Event
from tracker.selectors import querysets


def feature(event: dict[str, Any]) -> dict[str, Any]:
    place = event["place"]
    geometry = (
        {"type": "Point", "coordinates": [place["longitude"], place["latitude"]]} if place else None
    )
    return {
        "type": "Feature",
        "id": event["id"],
        "geometry": geometry,
        "properties": {
            "slug": event["slug"],
            "title": event["title"],
            "url": event["url"],
            "date": event["date"],
            "date_start": event["date_start"],
            "date_end": event["date_end"],
            "date_precision": event["date_precision"],
            "location": event["location"],
            "place": place,
            "tags": event["tags"],
            "attested": event["attested"],
            "claims": len(event["claims"]),
        },
    }


def write(events: QuerySet[Event], request: Request) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    yield from json_array(feature(event) for event in event_json(events, request))
    yield "]}"


EVENTS = ListFormat(renderer=GeoJSONRenderer, queryset=querysets.event_list_queryset, write=write)
