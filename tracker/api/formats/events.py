"""Events as their JSON, chunk by chunk: what the event formats are written from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from rest_framework.request import Request

from tracker.api.formats import chunks, readers, serializer_context
from tracker.api.serializers import EventSerializer
from tracker.selectors import embeds


def event_json(events: QuerySet[Any], request: Request) -> Iterator[dict[str, Any]]:
    """Each event's JSON, as the list gives it (``claim_kind`` included): five queries a chunk."""
    serializer = EventSerializer(context=serializer_context(request))
    for chunk in chunks(events):
        yield from serializer.represent(
            chunk, embeds.event_embeds((event.pk for event in chunk), readers=readers(request))
        )
