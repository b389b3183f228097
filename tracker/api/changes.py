"""The change feed, ``GET /api/v1/changes/``: every create, update, change of review state and
deletion, in commit order, a page at a time from an opaque cursor.

A page's ``next`` resumes exactly after its last change: following it until ``more`` is false
reads the whole feed once, and polling the last ``next`` later reads what came since (ids follow
commit order, see ``tracker.changes``, so nothing committed later is skipped). Who sees which
changes is ``tracker.selectors.changes``; how a reader replays them is in docs/api.md.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.fields import CharField
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api.caching import CachingMixin
from tracker.api.parameters import KnownParametersMixin
from tracker.api.stats import ChoiceParameter, LimitParameter
from tracker.models import Change, ChangeKind, ChangeType
from tracker.selectors import changes

_CURSOR_PREFIX = "change:"


def cursor_for(change_id: int) -> str:
    """The opaque cursor that resumes after the change ``change_id``."""
    raw = f"{_CURSOR_PREFIX}{change_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def change_after(cursor: str) -> int:
    """The change id a cursor resumes after; ValueError if it is not one of ours."""
    if not cursor.isascii() or len(cursor) > 40:
        raise ValueError(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError(cursor) from error
    number = raw.removeprefix(_CURSOR_PREFIX)
    if number == raw or not number.isdigit() or number != str(int(number)):
        raise ValueError(cursor)
    return int(number)


@extend_schema_field({"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,40}$"})
class CursorParameter(CharField):
    """``since``: a cursor from an earlier page's ``next`` (or an item's ``cursor``)."""

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            change_after(text)
        except ValueError:
            raise serializers.ValidationError(
                "Not a cursor of this feed: pass back the `next` link (or an item's `cursor`) "
                "as it was given."
            ) from None
        return text


class ChangeParameters(serializers.Serializer[Any]):
    since = CursorParameter(
        required=False,
        allow_blank=False,
        help_text="Resume after this position: the cursor of a page's `next` link. "
        "Left out, the feed starts from its first change.",
    )
    limit = LimitParameter(
        default="CHANGES_PAGE_SIZE", maximum="CHANGES_MAX_PAGE_SIZE", noun="changes per page"
    )
    kind = ChoiceParameter(
        choices=ChangeKind.choices, required=False, help_text="Only changes to one kind of record."
    )


class ChangeSerializer(serializers.Serializer[Any]):
    """One change: which record (kind, id, slug, its API address), its version after the change,
    when, what happened, and its review state after and before."""

    id = serializers.IntegerField(source="record_id", help_text="The record's id.")
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    slug = serializers.CharField(help_text="The record's slug after the change.")
    url = serializers.SerializerMethodField(help_text="The record's API address.")
    version = serializers.IntegerField(
        help_text="The record's change number: 1 for its first change, one more for each after."
    )
    time = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=ChangeType.choices)
    state = serializers.SerializerMethodField(
        help_text="The record's review state after the change; null once deleted."
    )
    state_before = serializers.SerializerMethodField(
        help_text="Its review state before the change; null when created."
    )
    cursor = serializers.SerializerMethodField(help_text="Resumes the feed after this change.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, change: Change) -> str:
        path = reverse(f"{change.kind}-detail", args=[change.record_id])
        return str(self.context["request"].build_absolute_uri(path))

    # Stored empty where there is none (before a creation, after a deletion): null in JSON.
    def get_state(self, change: Change) -> str | None:
        return change.state or None

    def get_state_before(self, change: Change) -> str | None:
        return change.state_before or None

    def get_cursor(self, change: Change) -> str:
        return cursor_for(change.id)


class ChangePageSerializer(serializers.Serializer[Any]):
    """A page of the feed (for the schema; the view writes it)."""

    results = ChangeSerializer(many=True)
    next = serializers.URLField(
        help_text="Resumes after this page's last change (after `since` when the page is empty): "
        "follow it while `more` is true, poll it later for what comes next."
    )
    more = serializers.BooleanField(help_text="Whether more changes are there already.")


@extend_schema(parameters=[ChangeParameters], responses=ChangePageSerializer)
class ChangeListView(CachingMixin, KnownParametersMixin, generics.GenericAPIView[Any]):
    """The change feed: every create, update, review-state change and deletion, oldest first.

    Readers see the changes to what they may read (a record entering, changing in and leaving
    public view); curators see every change."""

    # Read only, by everyone (the default permission class reads the model from it).
    queryset = Change.objects.none()
    pagination_class = None
    serializer_class = ChangeSerializer
    parameters_class = ChangeParameters

    def get(self, request: Request) -> Response:
        parameters = ChangeParameters(data=request.query_params)
        parameters.is_valid(raise_exception=True)
        since: str | None = parameters.validated_data.get("since")
        after = None if since is None else change_after(since)
        limit: int = parameters.validated_data["limit"]
        kind: str | None = parameters.validated_data.get("kind")
        page = changes.change_page(user=request.user, after=after, limit=limit, kind=kind)
        more, page = len(page) > limit, page[:limit]
        last = page[-1].id if page else after
        query = request.query_params.copy()
        query.pop("since", None)
        if last is not None:
            query["since"] = cursor_for(last)
        next_url = request.build_absolute_uri(request.path)
        if query:
            next_url += "?" + query.urlencode()
        results = ChangeSerializer(page, many=True, context={"request": request}).data
        return Response({"results": results, "next": next_url, "more": more})
