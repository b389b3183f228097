"""Event.date_span (bounds date-window queries), and full-text search indexes on PostgreSQL."""

from django.db import migrations, models


def fill_date_span(apps, schema_editor):
    Event = apps.get_model("tracker", "Event")
    for event in Event.objects.only("id", "date_start", "date_end").iterator():
        Event.objects.filter(pk=event.pk).update(
            date_span=(event.date_end - event.date_start).days
        )


def search_indexes():
    # Imported here: the expressions are those the `q` filters query, so PostgreSQL uses them.
    from tracker.search import search_indexes as indexes

    return indexes()


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps substring search, which no index serves
    for model_name, index in search_indexes():
        schema_editor.add_index(apps.get_model("tracker", model_name), index)


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in search_indexes():
        schema_editor.remove_index(apps.get_model("tracker", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
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
        migrations.RunPython(fill_date_span, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["date_span"], name="event_date_span"),
        ),
        migrations.RunPython(add_search_indexes, remove_search_indexes),
    ]
