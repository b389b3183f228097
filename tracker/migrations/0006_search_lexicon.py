"""The search lexicon on PostgreSQL: every word of the search documents, for prefix expansion.

See tracker.search: a prefix is matched as the words it begins, read from this table, because
PostgreSQL's own prefix match over a GIN index gathers every row of every such word first.
"""

from django.db import migrations

# The statements of tracker.search.lexicon_sql, as they were when this migration was written.
FORWARD = [
    'CREATE TABLE tracker_searchword (word text COLLATE "C" PRIMARY KEY)',
    "CREATE FUNCTION tracker_add_search_words() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    INSERT INTO tracker_searchword (word)\n"
    "    SELECT DISTINCT unnest(tsvector_to_array(search_document)) FROM new_rows ORDER BY 1\n"
    "    ON CONFLICT (word) DO NOTHING;\n"
    "    RETURN NULL;\n"
    "END\n"
    "$$",
    "CREATE TRIGGER tracker_event_search_words_insert AFTER INSERT ON tracker_event REFERENCING NEW "
    "TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracker_add_search_words()",
    "CREATE TRIGGER tracker_event_search_words_update AFTER UPDATE ON tracker_event REFERENCING NEW "
    "TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracker_add_search_words()",
    "CREATE TRIGGER tracker_claim_search_words_insert AFTER INSERT ON tracker_claim REFERENCING NEW "
    "TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracker_add_search_words()",
    "CREATE TRIGGER tracker_claim_search_words_update AFTER UPDATE ON tracker_claim REFERENCING NEW "
    "TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracker_add_search_words()",
    "INSERT INTO tracker_searchword (word) SELECT unnest(tsvector_to_array(search_document)) FROM "
    "tracker_event UNION SELECT unnest(tsvector_to_array(search_document)) FROM tracker_claim ORDER "
    "BY 1",
]
BACKWARD = [
    "DROP TRIGGER tracker_event_search_words_insert ON tracker_event",
    "DROP TRIGGER tracker_event_search_words_update ON tracker_event",
    "DROP TRIGGER tracker_claim_search_words_insert ON tracker_claim",
    "DROP TRIGGER tracker_claim_search_words_update ON tracker_claim",
    "DROP FUNCTION tracker_add_search_words()",
    "DROP TABLE tracker_searchword",
]


def add_lexicon(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps substring search
    for statement in FORWARD:
        schema_editor.execute(statement)


def remove_lexicon(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0005_event_date_span_search"),
    ]

    operations = [
        migrations.RunPython(add_lexicon, remove_lexicon),
    ]
