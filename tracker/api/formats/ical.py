"""iCalendar (RFC 5545) of the events, written with the ``icalendar`` package.

Each event is an all-day ``VEVENT`` over the days its EDTF date may mean: ``DTSTART`` its first
day, ``DTEND`` the day after its last (DTEND is exclusive), so "July 2022" covers the month.
``SUMMARY`` is the title, ``DESCRIPTION`` the summary with the date as the record gives it,
``LOCATION`` the location (else the place's name), ``GEO`` the place's point, ``URL`` the event's
API address, ``CATEGORIES`` its tags. ``DTSTAMP`` is when the record last changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import icalendar
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.request import Request

from tracker import dates
from tracker.api.formats import ICSRenderer, ListFormat
from tracker.api.formats.events import event_json
from tracker.models import Event
from tracker.selectors import querysets, version

PRODID = "-//Timeline & claims tracker//events//EN"


def vevent(event: dict[str, Any], *, host: str, stamp: datetime.datetime) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", f"{event['slug']}@{host}")
    entry.add("dtstamp", stamp)
    entry.add("dtstart", dates.as_date(event["date_start"]))
    entry.add("dtend", dates.as_date(event["date_end"]) + datetime.timedelta(days=1))
    entry.add("summary", event["title"])
    description = [event["summary"], f"Date: {event['date']} (EDTF)"]
    if event["sources"]:
        titles = "; ".join(source["title"] for source in event["sources"])
        description.append(f"Sources: {titles}")
    entry.add("description", "\n\n".join(part for part in description if part))
    place = event["place"]
    location = event["location"] or (place["name"] if place else "")
    if location:
        entry.add("location", location)
    if place:
        entry.add("geo", (place["latitude"], place["longitude"]))
    entry.add("url", event["url"])
    if event["tags"]:
        entry.add("categories", event["tags"])
    return entry


def write(events: QuerySet[Event], request: Request) -> Iterator[str]:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Timeline & claims tracker")
    head = calendar.to_ical().decode()
    yield head.removesuffix("END:VCALENDAR\r\n")
    current = version.record_version()
    stamp = (current.changed or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    host = request.get_host().split(":")[0]
    for event in event_json(events, request):
        yield vevent(event, host=host, stamp=stamp).to_ical().decode()
    yield "END:VCALENDAR\r\n"


EVENTS = ListFormat(renderer=ICSRenderer, queryset=querysets.event_list_queryset, write=write)
