"""The words of SQLite's FTS5 indexes, as tables a search's prefixes are expanded through.

See tracker.search_fts5.vocabulary_sql. A no-op on PostgreSQL, whose lexicon is migration 0006.
"""

from django.db import migrations

# The statements of tracker.search_fts5.vocabulary_sql, as they were when this migration was
# written.
STATEMENTS = {
    model_name: (
        [
            f"CREATE VIRTUAL TABLE tracker_{model_name}_fts_words "
            f"USING fts5vocab(tracker_{model_name}_fts, 'instance')"
        ],
        [f"DROP TABLE tracker_{model_name}_fts_words"],
    )
    for model_name in ("event", "claim")
}


def add_words(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL expands prefixes through its own lexicon
    for forward, _ in STATEMENTS.values():
        for statement in forward:
            schema_editor.execute(statement)


def remove_words(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for _, backward in STATEMENTS.values():
        for statement in backward:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_changes")]

    operations = [migrations.RunPython(add_words, remove_words, elidable=False)]
