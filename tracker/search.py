"""Text search for ``q``: full-text over GIN indexes on PostgreSQL, over FTS5 tables on SQLite.

On both databases each term of ``q`` must begin a word of the searched fields (``vladivo`` finds
"Vladivostok", case-insensitively; ``ostok`` does not): the ``simple`` configuration, so
words are neither stemmed nor dropped as stop words. Names (participants', claimants') still
match anywhere in them. Every term must match (see ``tracker.api.filters``). SQLite's side,
its FTS5 tables and their triggers, is ``tracker.search_fts5``; the rest of this module is
PostgreSQL's, but for :func:`plan` and :func:`document_matches`, which answer for both.

On PostgreSQL the searched text of each event and claim is kept, as a ``tsvector``, in a stored
generated column ``search_document`` with a GIN index (migration 0002; the column exists on
PostgreSQL only, so the models do not declare it). A stored vector rather than an index on
``to_tsvector(...)``: the planner then costs a match at what it really costs, where with the
expression it underestimates re-parsing every row's text and picks plans hundreds of times
slower (measured on a million claims).

A term is a prefix, but PostgreSQL matches a prefix (``'railway':*``) by gathering, for each indexed
word that begins with it, every row holding it into a bitmap before intersecting: with common words
over a million claims that is ten times slower than the same words matched exactly
(docs/benchmarks.md), and the bitmaps turn lossy past ``work_mem``, so the matches are then
rechecked against the table's pages. So the words that begin with each prefix are looked up first in
a lexicon, ``tracker_searchword``: every word that any search document holds, kept by statement
triggers on the two tables (migration 0006), in a ``"C"``-collated primary key that a prefix reads
as a range. A prefix that begins at most ``EXPANSION_LIMIT`` words becomes their alternation
(``'railway' | 'railways'``), matched exactly; one that begins more, or none, stays a prefix. The
lexicon only grows (a word no longer in any document costs an alternative that matches nothing), so
it always holds every indexed word, and both forms find the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

from tracker import search_fts5

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


LEXICON = "tracker_searchword"
EXPANSION_LIMIT = 64  # words a prefix may stand for before it is matched as a prefix
_ADD_WORDS = "tracker_add_search_words"


def lexicon_sql() -> tuple[list[str], list[str]]:
    """(forward, backward) statements for the lexicon, its triggers, and its first filling.

    Statement triggers read the statement's new rows as a transition table, so a bulk insert adds
    its words in one statement; PostgreSQL allows a transition table on a trigger of one event
    only, hence a trigger for inserts and one for updates. The words go in sorted, so two writers
    adding the same new words wait for each other in one order and cannot deadlock.
    """
    forward = [
        f'CREATE TABLE {LEXICON} (word text COLLATE "C" PRIMARY KEY)',
        f"""CREATE FUNCTION {_ADD_WORDS}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {LEXICON} (word)
    SELECT DISTINCT unnest(tsvector_to_array(search_document)) FROM new_rows ORDER BY 1
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$""",
    ]
    for model_name in DOCUMENTS:
        table = f"tracker_{model_name}"
        forward += [
            f"CREATE TRIGGER {table}_search_words_{operation} AFTER {operation.upper()} ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {_ADD_WORDS}()"
            for operation in ("insert", "update")
        ]
    documents = " UNION ".join(
        f"SELECT unnest(tsvector_to_array(search_document)) FROM tracker_{model_name}"
        for model_name in DOCUMENTS
    )
    forward.append(f"INSERT INTO {LEXICON} (word) {documents} ORDER BY 1")
    backward = [
        *(
            f"DROP TRIGGER tracker_{model_name}_search_words_{operation} ON tracker_{model_name}"
            for model_name in DOCUMENTS
            for operation in ("insert", "update")
        ),
        f"DROP FUNCTION {_ADD_WORDS}()",
        f"DROP TABLE {LEXICON}",
    ]
    return forward, backward


def read_connection() -> BaseDatabaseWrapper:
    """The connection the record is read from: the primary, a replica, or the snapshot of a read
    with ``as_of`` (SQLite, whatever the main database: its search is FTS5's)."""
    return connections[router.db_for_read(apps.get_model("tracker", "Event"))]


def uses_full_text() -> bool:
    return read_connection().vendor in ("postgresql", "sqlite")


def searches_in_full_text(model) -> bool:
    """Whether ``q`` over this model is a full-text search: for the models that have a search
    document (GIN-indexed on PostgreSQL, FTS5 on SQLite; the others are searched by substring on
    every database)."""
    return uses_full_text() and model._meta.model_name in DOCUMENTS


def words(term: str) -> list[list[str]]:
    """The words of a term as full-text search takes them (``Kim's`` is ``Kim`` and ``s``), each
    as its parts: the parser splits ``north_korea`` into ``north`` and ``korea``, which must then
    stand next to each other, as ``to_tsquery`` reads it (``'north':* <-> 'korea':*``)."""
    return [
        [part for part in word.split("_") if part]
        for word in _WORD.findall(term)
        if word.strip("_")
    ]


@dataclass(frozen=True)
class TermPlan:
    """What the database knows of one term: whether it names an actor (its text stands in some
    actor's name), and the tsquery text of its words, each prefix as the words it begins (None
    when the term has no word to search for)."""

    names_actor: bool
    query: str | None


# One statement for every term: per term, whether an actor's name holds it (Django's icontains,
# the pattern escaped in Python; once per term, hence MATERIALIZED) and, per part of each of its
# words as the documents' configuration reads it, the indexed words it begins (one more than the
# limit, to tell "too many").
_PLAN_SQL = f"""
WITH terms AS MATERIALIZED (
    SELECT t.n, EXISTS (
        SELECT 1 FROM tracker_actor a WHERE UPPER(a.name::text) LIKE UPPER(t.pattern)
    ) AS names_actor
    FROM unnest(%s::text[]) WITH ORDINALITY AS t(pattern, n)
),
parts AS (
    SELECT * FROM unnest(%s::int[], %s::int[], %s::text[]) WITH ORDINALITY AS p(n, word, part, k)
)
SELECT t.n, t.names_actor, p.word, p.k, l.prefix,
       ARRAY(
           SELECT w.word FROM {LEXICON} w
           WHERE w.word >= l.prefix COLLATE "C" AND w.word < (l.prefix || chr(1114111)) COLLATE "C"
           ORDER BY w.word LIMIT {EXPANSION_LIMIT + 1}
       )
FROM terms t
LEFT JOIN parts p ON p.n = t.n
LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector('{CONFIG}'::regconfig, p.part)))
    AS l(prefix) ON true
ORDER BY t.n, p.k, l.prefix
"""


def plan(terms: list[str], model: Any) -> list[TermPlan]:
    """Each term's plan (see ``TermPlan``), in the order of the terms: one query for them all.

    On SQLite the query text is FTS5's, each prefix of a word expanded through the words of
    ``model``'s index (``search_fts5.plan_rows``), in the same one query."""
    if not terms:
        return []
    connection = read_connection()
    if connection.vendor == "sqlite":
        prefixes = sorted({part.lower() for term in terms for word in words(term) for part in word})
        names, begun = search_fts5.plan_rows(
            connection,
            model._meta.model_name,
            terms,
            [prefix for prefix in prefixes if search_fts5.expandable(prefix)],
            EXPANSION_LIMIT,
        )
        return [
            TermPlan(
                names_actor=named,
                query=search_fts5.term_query(words(term), lambda part: begun.get(part.lower())),
            )
            for term, named in zip(terms, names, strict=True)
        ]
    patterns = [f"%{connection.ops.prep_for_like_query(term)}%" for term in terms]
    parts = [
        (n, w, part)
        for n, term in enumerate(terms, 1)
        for w, word in enumerate(words(term))
        for part in word
    ]
    term_of, word_of, text_of = ([part[i] for part in parts] for i in range(3))
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_SQL, [patterns, term_of, word_of, text_of])
        rows = cursor.fetchall()
    names_actor: dict[int, bool] = {}
    # term -> word -> part (in order) -> the alternatives of each prefix the part reads as
    found: dict[int, dict[int, dict[int, list[str]]]] = {}
    for n, named, word, k, prefix, begun in rows:
        names_actor[n] = named
        if prefix is not None:
            found.setdefault(n, {}).setdefault(word, {}).setdefault(k, []).append(
                _alternatives(prefix, begun)
            )
    return [
        TermPlan(names_actor=names_actor[n], query=_term_query(found.get(n, {})))
        for n in range(1, len(terms) + 1)
    ]


def _term_query(found: dict[int, dict[int, list[str]]]) -> str | None:
    """Every word of a term (``&``), each the phrase of its parts (``<->``); None without any."""
    words = [
        " <-> ".join(_all(prefixes) for _, prefixes in sorted(parts.items()))
        for _, parts in sorted(found.items())
    ]
    return " & ".join(f"({word})" if "<->" in word else word for word in words) or None


def _all(queries: list[str]) -> str:
    return queries[0] if len(queries) == 1 else "(" + " & ".join(queries) + ")"


def _alternatives(prefix: str, begun: list[str]) -> str:
    """The tsquery text of one prefix: the words it begins, or the prefix itself."""
    if not begun or len(begun) > EXPANSION_LIMIT:
        return f"{_lexeme(prefix)}:*"
    return "(" + " | ".join(_lexeme(word) for word in begun) + ")"


def _lexeme(word: str) -> str:
    """A word quoted for tsquery input, taken as it is (no parsing, no normalization)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


_WALKING: ContextVar[bool] = ContextVar("walking_the_list_order", default=False)


@contextmanager
def walking_the_order() -> Iterator[None]:
    """Within it, a search compiles for a page read by walking the list's order: the matches are
    too many to read them all and sort them (``tracker.api.pagination.CountingPaginator``).

    Outside it a search's query leads with its index: SQLite drives from the FTS5 matches
    (rowid lookups), PostgreSQL from the GIN index, and its order is an expression no index
    gives (:class:`SortKey`), so that neither walks an ordered index testing each row against a
    selective search. Within it the order is the columns themselves, which an index gives in
    order, and on SQLite the match is a condition tested row by row against the matches, read
    once into a list (``+id IN (...)``: the ``+`` keeps SQLite from driving the query from
    them): a word in 14 % of a million claims fills a page of 50 after some 350 rows.
    """
    token = _WALKING.set(True)
    try:
        yield
    finally:
        _WALKING.reset(token)


class SortKey(Func):
    """A column the list is ordered by, during a search: ``COALESCE(column, column)``, the same
    value but no index's order, so that the database reads the matches from the search's index
    and sorts them; the column itself when the page walks the order (:func:`walking_the_order`)."""

    function = "COALESCE"

    def __init__(self, name: str) -> None:
        super().__init__(F(name), F(name))

    def as_sql(  # type: ignore[override]  # Func's keywords, passed on as they come
        self, compiler: SQLCompiler, connection: Any, **extra: Any
    ) -> tuple[str, Any]:
        if _WALKING.get():
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, **extra)


class Matches(Expression):
    """A condition: the row's search document matches every query text of :func:`plan` (GIN
    index on PostgreSQL, the FTS5 table on SQLite).

    On PostgreSQL the column is left unqualified so that it names the row of the query it stands
    in, subquery or not (only the searched model has such a column). On SQLite the row's id is
    one of the FTS5 table's matches; a condition that ``walks`` (the list's own, not one inside
    a subquery) reads them as a list to test rows against when the page walks the list's order
    (:func:`walking_the_order`).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, model: Any, queries: list[str], *, walks: bool = True) -> None:
        super().__init__(output_field=BooleanField())
        self.model, self.queries, self.walks = model, list(queries), walks
        # The row's id: a source expression, so that it is resolved against the query the
        # condition stands in and relabelled with it when that query becomes a subquery.
        self.pk: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.pk,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        if connection.vendor != "sqlite":
            return "search_document @@ %s::tsquery", [_all_of(self.queries)]
        column, params = compiler.compile(self.pk)
        fts = search_fts5.table(self.model._meta.model_name)
        walked = "+" if self.walks and _WALKING.get() else ""
        sql = f"{walked}{column} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
        return sql, [*params, search_fts5.all_of(self.queries)]


def _all_of(queries: list[str]) -> str:
    return " & ".join(f"({query})" for query in queries)


def document_matches(model, queries: list[str], *, walks: bool = True) -> Q:
    """A condition: the row's search document matches every query text of :func:`plan`
    (:class:`Matches`)."""
    return Q(Matches(model, queries, walks=walks))


def full_text_condition(
    model, terms: list[str], *, by_name: Callable[[str], QuerySet], substring
) -> Q:
    """Every term in the document (full-text) or in a name ``by_name`` searches (substring).

    A term that names no actor at all can only match the document, so all such terms go to the
    GIN index as one condition, intersected inside the index (two common words may each match
    tens of thousands of claims; together, a few hundred). Only a term that does name an actor
    takes the union of both id sets. ``substring(term)`` is the condition for a term without a
    word to search for (e.g. ``"!!"``). The plan of the terms costs one query.
    """
    plans = plan(terms, model)
    in_document = [p.query for p in plans if p.query is not None and not p.names_actor]
    condition = document_matches(model, in_document) if in_document else Q()
    for term, term_plan in zip(terms, plans, strict=True):
        if term_plan.query is None:
            condition &= substring(term)
        elif term_plan.names_actor:
            by_document = model._base_manager.filter(
                document_matches(model, [term_plan.query], walks=False)
            )
            ids = by_document.order_by().values("pk").union(by_name(term).order_by(), all=True)
            condition &= Q(pk__in=ids)
    return condition
