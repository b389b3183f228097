"""Text search for ``q``: full-text over GIN indexes on PostgreSQL, substring search elsewhere.

On PostgreSQL each term of ``q`` must begin a word of the searched fields (``vladivo`` finds
"Vladivostok", case-insensitively; ``ostok`` does not): the ``simple`` configuration, so
words are neither stemmed nor dropped as stop words. On SQLite each term may stand anywhere in
those fields (substring search), which no index can serve but which is quick enough for the
embedded database's sizes. Either way, every term must match (see ``tracker.api.filters``).
"""

from __future__ import annotations

import re

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Index, QuerySet

CONFIG = "simple"
# The searched documents; the indexes and the queries are built from the same expressions, so
# PostgreSQL matches one to the other.
DOCUMENTS = {
    "event": ("title", "summary", "location"),
    "claim": ("text", "quote"),
}
_WORD = re.compile(r"\w+")


def document(model_name: str) -> SearchVector:
    return SearchVector(*DOCUMENTS[model_name], config=CONFIG)


def search_indexes() -> list[tuple[str, Index]]:
    """(model name, index) pairs: one GIN index per searched document (PostgreSQL only)."""
    return [
        (model_name, GinIndex(document(model_name), name=f"{model_name}_search"))
        for model_name in DOCUMENTS
    ]


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def prefix_query(term: str) -> SearchQuery | None:
    """Every word of ``term`` as a prefix; None when the term has no word characters."""
    words = _WORD.findall(term)
    if not words:
        return None
    # \w excludes quotes and tsquery operators, so the words need no further escaping.
    raw = " & ".join(f"'{word}':*" for word in words)
    return SearchQuery(raw, search_type="raw", config=CONFIG)


def matching_ids(model, model_name: str, term: str) -> QuerySet:
    """The ids of the rows whose document matches ``term`` (a GIN index scan), unordered."""
    query = prefix_query(term)
    return (
        model._base_manager.annotate(document=document(model_name))
        .filter(document=query)
        .order_by()
        .values("pk")
    )
