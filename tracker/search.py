"""Text search for ``q``: full-text over GIN indexes on PostgreSQL, substring search elsewhere.

On PostgreSQL each term of ``q`` must begin a word of the searched fields (``vladivo`` finds
"Vladivostok", case-insensitively; ``ostok`` does not): the ``simple`` configuration, so
words are neither stemmed nor dropped as stop words. Names (participants', claimants') still
match anywhere in them. On SQLite each term may stand anywhere in the searched fields
(substring search), which no index can serve. Either way, every term must match (see
``tracker.api.filters``).

On PostgreSQL the searched text of each event and claim is kept, as a ``tsvector``, in a stored
generated column ``search_document`` with a GIN index (migration 0002; the column exists on
PostgreSQL only, so the models do not declare it). A stored vector rather than an index on
``to_tsvector(...)``: the planner then costs a match at what it really costs, where with the
expression it underestimates re-parsing every row's text and picks plans hundreds of times
slower (measured on a million claims).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL

CONFIG = "simple"
DOCUMENTS = {  # model name: the searched columns
    "event": ("title", "summary", "location"),
    "claim": ("text", "quote"),
}
_WORD = re.compile(r"\w+")


def document_sql(model_name: str) -> str:
    columns = " || ' ' || ".join(f"coalesce({column}, '')" for column in DOCUMENTS[model_name])
    return f"to_tsvector('{CONFIG}'::regconfig, {columns})"


def schema_sql(model_name: str) -> tuple[list[str], list[str]]:
    """(forward, backward) statements for a model's search column and its GIN index."""
    table = f"tracker_{model_name}"
    return (
        [
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({document_sql(model_name)}) STORED",
            f"CREATE INDEX {model_name}_search ON {table} USING gin (search_document)",
        ],
        [f"ALTER TABLE {table} DROP COLUMN search_document"],  # drops the index with it
    )


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def prefix_query(terms: list[str]) -> str | None:
    """Every word of the terms as a prefix, as tsquery text; None without any word."""
    words = [word for term in terms for word in _WORD.findall(term)]
    if not words:
        return None
    # \w excludes quotes and tsquery operators, so the words need no further escaping.
    return " & ".join(f"'{word}':*" for word in words)


def document_matches(terms: list[str]) -> RawSQL:
    """A condition: the row's search document holds every word of ``terms`` (GIN index).

    The column is left unqualified so that it names the row of the query it stands in,
    subquery or not (only the searched model has such a column).
    """
    return RawSQL(
        f"search_document @@ to_tsquery('{CONFIG}'::regconfig, %s)",
        [prefix_query(terms)],
        output_field=BooleanField(),
    )


def full_text_condition(
    model, terms: list[str], *, by_name: Callable[[str], QuerySet], substring
) -> Q:
    """Every term in the document (full-text) or in a name ``by_name`` searches (substring).

    A term that names no actor at all can only match the document, so all such terms go to the
    GIN index as one condition, intersected inside the index (two common words may each match
    tens of thousands of claims; together, a few hundred). Only a term that does name an actor
    takes the union of both id sets. ``substring(term)`` is the condition for a term without a
    word to search for (e.g. ``"!!"``). Which terms name an actor costs one query.
    """
    with_words = [term for term in terms if prefix_query([term]) is not None]
    named = _naming_an_actor(with_words)
    in_document = [term for term in with_words if term not in named]
    condition = Q(document_matches(in_document)) if in_document else Q()
    for term in terms:
        if term in named:
            by_document = model._base_manager.filter(document_matches([term])).order_by()
            ids = by_document.values("pk").union(by_name(term).order_by(), all=True)
            condition &= Q(pk__in=ids)
        elif term not in with_words:
            condition &= substring(term)
    return condition


def _naming_an_actor(terms: list[str]) -> set[str]:
    from tracker.models import Actor

    if not terms:
        return set()
    found = Actor.objects.aggregate(
        **{
            f"t{index}": Count("pk", filter=Q(name__icontains=term))
            for index, term in enumerate(terms)
        }
    )
    return {term for index, term in enumerate(terms) if found[f"t{index}"]}
