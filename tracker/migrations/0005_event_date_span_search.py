"""Event.date_span (bounds date-window queries); full-text search columns on PostgreSQL."""

from django.db import migrations, models

from tracker import record_version


def fill_date_span(apps, schema_editor):
    for model_name, key in (("Event", "pk"), ("HistoricalEvent", "history_id")):
        model = apps.get_model("tracker", model_name)
        for row in model.objects.values(key, "date_start", "date_end").iterator():
            model.objects.filter(**{key: row[key]}).update(
                date_span=(row["date_end"] - row["date_start"]).days
            )


# The statements of tracker.search.schema_sql, as they were when this migration was written.
SEARCH_COLUMNS = [
    "ALTER TABLE tracker_event ADD COLUMN search_document tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(location, ''))) STORED",
    "CREATE INDEX event_search ON tracker_event USING gin (search_document)",
    "ALTER TABLE tracker_claim ADD COLUMN search_document tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(text, '') || ' ' || coalesce(quote, ''))) STORED",
    "CREATE INDEX claim_search ON tracker_claim USING gin (search_document)",
]
DROP_SEARCH_COLUMNS = [
    "ALTER TABLE tracker_event DROP COLUMN search_document",
    "ALTER TABLE tracker_claim DROP COLUMN search_document",
]


def reinstall_version_triggers(apps, schema_editor):
    # SQLite adds a column by rebuilding the table, which drops the table's triggers.
    if schema_editor.connection.vendor == "sqlite":
        tables = ["tracker_event", "tracker_historicalevent"]
        record_version.uninstall(schema_editor, tables)
        record_version.install(schema_editor, tables)


def add_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps substring search, which no index serves
    for statement in SEARCH_COLUMNS:
        schema_editor.execute(statement)


def remove_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP_SEARCH_COLUMNS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0004_record_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="date_span",
            field=models.PositiveIntegerField(
                blank=True,
                default=0,
                editable=False,
                help_text="Days from date_start to date_end; the longest bounds date-window queries.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="date_span",
            field=models.PositiveIntegerField(
                blank=True,
                default=0,
                editable=False,
                help_text="Days from date_start to date_end; the longest bounds date-window queries.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_date_span, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["date_span"], name="event_date_span"),
        ),
        migrations.RunPython(reinstall_version_triggers, reinstall_version_triggers),
        migrations.RunPython(add_search_columns, remove_search_columns),
    ]
