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


def term_query(words: list[list[str]]) -> str | None:
    """The FTS5 query of one term: every word (``AND``), each the phrase of its parts (``+``),
    each part a prefix (``"railway"*``); None for a term without a word."""
    phrases = [" + ".join(f'"{part}"*' for part in parts) for parts in words if parts]
    return " AND ".join(phrases) or None


def all_of(queries: list[str]) -> str:
    """One FTS5 query that every one of ``queries`` must match."""
    return " AND ".join(f"({query})" for query in queries)


def names_actors(connection, terms: list[str]) -> list[bool]:
    """Per term, whether some actor's name holds it (Django's ``icontains`` on SQLite): one
    query for them all."""
    patterns = [f"%{connection.ops.prep_for_like_query(term)}%" for term in terms]
    exists = ", ".join(
        "EXISTS (SELECT 1 FROM tracker_actor WHERE name LIKE %s ESCAPE '\\')" for _ in terms
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {exists}", patterns)
        return [bool(value) for value in cursor.fetchone()]
