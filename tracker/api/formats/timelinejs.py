"""TimelineJS3 JSON of the events, true to their EDTF precision.

A slide's ``start_date`` goes as far as the date is known: a month-precision event has a year
and a month and no day, a year-precision one only a year. A span (``2017-10/2017-12``,
``1990~/1999``) has an ``end_date`` too. ``display_date`` says the date as the record knows it
("about July 2022"). ``group`` is the event's first tag (by slug), so TimelineJS puts events of
a kind on one row. The slide's text holds the summary, the claims (claimant, kind, status, the
quote or the claim's text, its source) and a credit line naming the sources; the first quoted
claim is the slide's media (a blockquote, credited to its source). The title slide says what
the timeline holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import orjson
from django.db.models import QuerySet
from django.utils.html import escape, format_html
from rest_framework.request import Request

from tracker import dates
from tracker.api.formats import ListFormat, TimelineJSRenderer, json_array
from tracker.api.formats.events import event_json
from tracker.models import Event
from tracker.selectors import querysets

TITLE = "Timeline & claims tracker"


def display_date(event: dict[str, Any]) -> str:
    """The date in words at its precision, with the record's qualifiers: "13 July 2022",
    "July 2022", "about 2022", "1990 – 1999"."""
    precision = event["date_precision"]

    def words(day: datetime.date | str) -> str:
        day = dates.as_date(day)
        if precision == "day":
            return f"{day.day} {day:%B %Y}"
        return f"{day:%B %Y}" if precision == "month" else f"{day.year}"

    start, end = event["date_start"], event["date_end"]
    said = words(start)
    if not dates.single_unit(start, end, precision):
        said = f"{said} – {words(end)}"
    if "~" in event["date"] or "%" in event["date"]:
        said = f"about {said}"
    if "?" in event["date"] or "%" in event["date"]:
        said = f"{said} (uncertain)"
    return said


def _source_credit(source: dict[str, Any]) -> str:
    details = ", ".join(str(part) for part in (source["publisher"], source["published"]) if part)
    title = (
        format_html('<a href="{}">{}</a>', source["url"], source["title"])
        if source["url"]
        else escape(source["title"])
    )
    return f"{title} ({escape(details)})" if details else title


def _claim_item(claim: dict[str, Any]) -> str:
    said = claim["quote"] or claim["text"]
    return format_html(
        "<li><strong>{}</strong> <small>({}, {})</small>: “{}” <em>— {}</em></li>",
        claim["claimant"]["name"], claim["kind"], claim["status"], said, claim["source"]["title"],
    )  # fmt: skip


def slide_text(event: dict[str, Any]) -> str:
    parts: list[str] = []
    if event["summary"]:
        parts.append(format_html("<p>{}</p>", event["summary"]))
    if event["location"]:
        parts.append(format_html('<p class="tl-location">{}</p>', event["location"]))
    if event["claims"]:
        items = "".join(_claim_item(claim) for claim in event["claims"])
        parts.append(f'<ul class="tl-claims">{items}</ul>')
    if event["sources"]:
        credits = "; ".join(_source_credit(source) for source in event["sources"])
        parts.append(f'<p class="tl-credit">Sources: {credits}</p>')
    return "".join(parts)


def slide(event: dict[str, Any]) -> dict[str, Any]:
    precision = event["date_precision"]
    start, end = event["date_start"], event["date_end"]
    result = {
        "unique_id": event["slug"],
        "start_date": dates.calendar_parts(start, precision),
        "display_date": display_date(event),
        "text": {"headline": escape(event["title"]), "text": slide_text(event)},
    }
    if not dates.single_unit(start, end, precision):
        result["end_date"] = dates.calendar_parts(end, precision)
    if event["tags"]:
        result["group"] = event["tags"][0]
    quoted = next((claim for claim in event["claims"] if claim["quote"]), None)
    if quoted is not None:
        source = quoted["source"]
        result["media"] = {
            "url": format_html("<blockquote>{}</blockquote>", quoted["quote"]),
            "caption": escape(quoted["claimant"]["name"]),
            "credit": escape(
                ", ".join(str(p) for p in (source["publisher"], source["published"]) if p)
            ),
        }
    return result


def write(events: QuerySet[Event], request: Request) -> Iterator[str]:
    count = 0

    def slides() -> Iterator[dict[str, Any]]:
        nonlocal count
        for event in event_json(events, request):
            count += 1
            yield slide(event)

    yield '{"events":['
    yield from json_array(slides())
    title = {
        "unique_id": "title",
        "text": {
            "headline": escape(TITLE),
            "text": escape(f"{count} event(s), each with the claims about it and its sources."),
        },
    }
    yield '],"title":' + orjson.dumps(title).decode() + "}"


EVENTS = ListFormat(
    renderer=TimelineJSRenderer, queryset=querysets.event_list_queryset, write=write
)
