"""The record version: database triggers that move one row forward on every write to the record.

HTTP validators (``ETag``, ``Last-Modified``) of lists and stats must change on *any* write,
deletions and link changes included, and checking them must cost almost nothing. Per-row
``updated`` timestamps cannot see a deleted row or a changed many-to-many link, and Django signals
miss bulk operations and raw SQL; a trigger on each of the record's tables sees them all.

- PostgreSQL: one ``BEFORE ... FOR EACH STATEMENT`` trigger per table, so a bulk statement costs
  one bump, and the version row is locked before the statement locks any of its rows.
  ``changed`` is ``clock_timestamp()`` (not the transaction's start) and never moves backwards.
- SQLite: ``AFTER`` row triggers (SQLite has no statement triggers); writers are serialized by
  SQLite anyway.

Both write with an upsert, so the row comes back after a ``flush`` or ``TRUNCATE``.
A migration that adds a table to the record must call :func:`install` for it (a test checks that
every table of the app is watched).

Every write transaction thus locks the version row; to keep lock order deadlock-free, a
transaction that locks records with ``SELECT ... FOR UPDATE`` before writing must call
:func:`lock` first (the statement triggers take it before any row of their own statement).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

VERSION_TABLE = "tracker_recordversion"
FUNCTION = "tracker_bump_record_version"

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {VERSION_TABLE} (id, number, changed) VALUES (1, 1, clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET
        number = {VERSION_TABLE}.number + 1,
        changed = GREATEST({VERSION_TABLE}.changed, EXCLUDED.changed);
    RETURN NULL;
END
$$;
"""

# SQLite stores Django datetimes as naive UTC text; 'now' is UTC.
_SQLITE_BUMP = (
    f"INSERT INTO {VERSION_TABLE} (id, number, changed) "
    "VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now')) "
    "ON CONFLICT (id) DO UPDATE SET number = number + 1, changed = max(changed, excluded.changed);"
)

_OPERATIONS = ("insert", "update", "delete")


def trigger_name(table: str, operation: str = "") -> str:
    return f"{table}_version_{operation}".rstrip("_")


def lock(using: str = DEFAULT_DB_ALIAS) -> None:
    """Take the version row's lock now, inside a write transaction, before its row locks.

    A transaction holding a record's row lock while it waits for the version row, when the
    holder of the version row needs that record (a foreign key check at commit), would deadlock.
    Taking the version row first makes writers queue on it holding nothing else. SQLite
    serializes writers itself and has no row locks: nothing to do there.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {VERSION_TABLE} WHERE id = 1 FOR UPDATE")


def install(schema_editor, tables: list[str]) -> None:
    """Create the bump triggers on ``tables`` (a RunPython step of a migration)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_POSTGRESQL_FUNCTION)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {trigger_name(table)} BEFORE INSERT OR UPDATE OR DELETE OR "
                f'TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();'
            )
    elif vendor == "sqlite":
        for table in tables:
            for operation in _OPERATIONS:
                schema_editor.execute(
                    f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation.upper()} "
                    f'ON "{table}" BEGIN {_SQLITE_BUMP} END;'
                )
    else:
        raise NotImplementedError(f"No record-version triggers for the '{vendor}' database.")


def uninstall(schema_editor, tables: list[str]) -> None:
    """Drop what :func:`install` created (the reverse of a migration step)."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {trigger_name(table)} ON "{table}";')
        else:
            for operation in _OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)};")


def watched_tables(connection) -> set[str]:
    """The tables that carry a bump trigger, read from the database's catalogue."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = %s AND NOT t.tgisinternal",
                [FUNCTION],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
        return {
            table
            for table, names in found.items()
            if names >= {trigger_name(table, operation) for operation in _OPERATIONS}
        }
