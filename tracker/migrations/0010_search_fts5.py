"""Full-text search on SQLite: FTS5 tables over events and claims, kept by triggers.

See tracker.search_fts5. A no-op on PostgreSQL, which searches its GIN-indexed columns
(migrations 0005 and 0006).
"""

from django.db import migrations

# The statements of tracker.search_fts5.schema_sql, as they were when this migration was written.
TOKENIZE = "unicode61 remove_diacritics 0 separators '$+<=>^`|~'"
COLUMNS = {"event": ("title", "summary", "location"), "claim": ("text", "quote")}


def statements(model_name, columns):
    content, fts = f"tracker_{model_name}", f"tracker_{model_name}_fts"
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    add = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    forward = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{content}', "
        f'content_rowid=\'id\', tokenize="{TOKENIZE}")',
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


STATEMENTS = {model_name: statements(model_name, columns) for model_name, columns in COLUMNS.items()}


def add_fts5(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL searches its own full-text columns
    for forward, _ in STATEMENTS.values():
        for statement in forward:
            schema_editor.execute(statement)


def remove_fts5(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for _, backward in STATEMENTS.values():
        for statement in backward:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0009_merge_0008_places_wikidata_0008_workbench"),
    ]

    operations = [
        migrations.RunPython(add_fts5, remove_fts5),
    ]
