"""A record's history as the API shows it: entries of who changed what, and when (newest first).

The entries come from ``tracker.history.entries``, cut to what the reader may see by
``tracker.history.for_reader``; ``tracker.api.viewsets.CuratedViewSet.history`` serves them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class HistoryChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer[Any]):
    """One entry of a record's history: when, who and what changed (newest first)."""

    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    who = serializers.CharField(
        allow_null=True,
        help_text="The user's login name for curators, a public label (HISTORY_PUBLIC_LABEL) "
        "for other readers; null for a script.",
    )
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    rationale = serializers.CharField(
        allow_null=True,
        help_text="Why: the rationale of a state change (sent back, retracted, reinstated) or "
        "of a change of a claim's status; null when none was given.",
    )
    changes = HistoryChangeSerializer(many=True)


class HistoryPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)
