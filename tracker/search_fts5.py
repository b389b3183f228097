"""Full-text search on SQLite: FTS5 tables over events and claims, kept in step by triggers.

The embedded database answers ``q`` with the semantics of PostgreSQL's (``tracker.search``):
each term's words must each begin a word of the searched fields, case-insensitively, and a word
the parser splits (``north_korea``) is the phrase of its parts. Each searched model has an
*external-content* FTS5 table (``tracker_<model>_fts``): it indexes the model's table's search
columns without a second copy of their text, and three triggers keep it in step with every
insert, delete and update of those columns, bulk writes and raw SQL included (migration 0010
creates them and builds the index from the rows already there).

The tokenizer is ``unicode61`` as PostgreSQL's ``simple`` configuration reads text: case folded,
diacritics kept (``remove_diacritics 0``: ``simple`` keeps them), and the ASCII symbols that
PostgreSQL's parser does not take into a word (``$100`` is ``100``) are separators too.
"""

from __future__ import annotations

import json
from collections.abc import Callable

TOKENIZE = "unicode61 remove_diacritics 0 separators '$+<=>^`|~'"


def table(model_name: str) -> str:
    return f"tracker_{model_name}_fts"


def schema_sql(model_name: str, columns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(forward, backward) statements for a model's FTS5 table, its triggers, and its filling.

    An update trigger fires only when a searched column is assigned; it removes the row's old
    words (an external-content table needs the old values for that) and adds the new ones.
    """
    content, fts = f"tracker_{model_name}", table(model_name)
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    add = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    forward = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{content}', "
        f"content_rowid='id', tokenize=\"{TOKENIZE}\")",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {content} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {content} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {content} "
        f"BEGIN {remove} {add} END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]
    backward = [
        *(f"DROP TRIGGER {fts}_{operation}" for operation in ("insert", "delete", "update")),
        f"DROP TABLE {fts}",
    ]
    return forward, backward


def vocabulary(model_name: str) -> str:
    return f"tracker_{model_name}_fts_words"


def vocabulary_sql(model_name: str) -> tuple[list[str], list[str]]:
    """(forward, backward) statements for the words of a model's FTS5 index, as a table
    (``fts5vocab``, of type ``instance``): a virtual table that reads the index itself, so it
    holds every indexed word at every moment, with nothing to keep in step."""
    words, fts = vocabulary(model_name), table(model_name)
    return [f"CREATE VIRTUAL TABLE {words} USING fts5vocab({fts}, 'instance')"], [
        f"DROP TABLE {words}"
    ]


# One statement for a search's plan on SQLite. Per term, whether some actor's name holds it
# (Django's ``icontains``: ``LIKE``, case-insensitive for ASCII); per prefix, the indexed words
# that begin it, in order, at most ``limit + 1`` of them, each found by seeking the vocabulary
# past the one before (an ``instance`` table seeks on ``term >=``; a ``row`` table would count
# every word's rows to answer). ``char(1)`` is a separator, so no word holds it: the first word
# after ``w`` is the first at or past ``w || char(1)``.
_PLAN = """
WITH RECURSIVE prefixes(k, prefix) AS (SELECT key, value FROM json_each(%s)),
begun(k, prefix, term, n) AS (
    SELECT k, prefix, (
        SELECT term FROM {words} WHERE term >= prefix AND term < prefix || char(1114111) LIMIT 1
    ), 1 FROM prefixes
    UNION ALL
    SELECT k, prefix, (
        SELECT term FROM {words}
        WHERE term >= begun.term || char(1) AND term < begun.prefix || char(1114111) LIMIT 1
    ), n + 1
    FROM begun WHERE begun.term IS NOT NULL AND n <= %s
)
SELECT 'word', k, term FROM begun WHERE term IS NOT NULL
UNION ALL
SELECT 'name', key, EXISTS (SELECT 1 FROM tracker_actor WHERE name LIKE value ESCAPE '\\')
FROM json_each(%s)
"""


def expandable(part: str) -> bool:
    """Whether a part of a word is looked up in the vocabulary: ASCII letters and digits, which
    the tokenizer folds as ``lower()`` does (it folds other letters by its own tables), three or
    more of them (a shorter prefix begins too many words to be worth it)."""
    return len(part) >= 3 and part.isascii() and part.isalnum()


def plan_rows(
    connection, model_name: str, terms: list[str], prefixes: list[str], limit: int
) -> tuple[list[bool], dict[str, list[str]]]:
    """Per term, whether an actor's name holds it; per prefix (lower case, ``expandable``), the
    words of ``model_name``'s index that begin it, when they are one to ``limit`` (a prefix that
    begins none or more is left out). One query."""
    patterns = [f"%{connection.ops.prep_for_like_query(term)}%" for term in terms]
    with connection.cursor() as cursor:
        cursor.execute(
            _PLAN.format(words=vocabulary(model_name)),
            [json.dumps(prefixes), limit, json.dumps(patterns)],
        )
        rows = cursor.fetchall()
    names = [False] * len(terms)
    begun: dict[str, list[str]] = {}
    for what, key, value in rows:
        if what == "name":
            names[int(key)] = bool(value)
        else:
            begun.setdefault(prefixes[int(key)], []).append(value)
    return names, {prefix: found for prefix, found in begun.items() if len(found) <= limit}


def term_query(
    words: list[list[str]], expand: Callable[[str], list[str] | None] | None = None
) -> str | None:
    """The FTS5 query of one term: every word (``AND``), each the phrase of its parts (``+``),
    each part a prefix (``"railway"*``); None for a term without a word.

    FTS5 gathers a prefix's rows into a list before it intersects them, which costs a query of
    two common words 8 ms over a million claims where the same words matched exactly cost 3 ms.
    So with ``expand`` (a part's indexed words, or None: :func:`plan_rows`) a word of one
    part becomes the alternation of the words it begins (``("railway" OR "railways")``), and a
    phrase whose every part begins one word the phrase of those words; the rest stay prefixes.
    Both forms find the same rows (tests/api/test_search.py)."""
    phrases = []
    for parts in words:
        if not parts:
            continue
        begun = [expand(part) if expand else None for part in parts]
        if len(parts) == 1 and begun[0]:
            alternatives = " OR ".join(_quoted(word) for word in begun[0])
            phrases.append(f"({alternatives})" if len(begun[0]) > 1 else alternatives)
        elif all(found is not None and len(found) == 1 for found in begun):
            phrases.append(" + ".join(_quoted(found[0]) for found in begun if found))
        else:
            phrases.append(" + ".join(f"{_quoted(part)}*" for part in parts))
    return " AND ".join(phrases) or None


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def all_of(queries: list[str]) -> str:
    """One FTS5 query that every one of ``queries`` must match."""
    return " AND ".join(f"({query})" for query in queries)
