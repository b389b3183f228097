"""What the tests compare a database with: every row of the record, its history and accounts."""

from django.apps import apps


def snapshot() -> dict[str, list[dict]]:
    """Every row of the record (history included, timestamps too), of the accounts and tokens,
    as stored: equal snapshots, nothing was written."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for label in ("tracker", "auth", "authtoken")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def entries(record) -> list[tuple[str, str | None, str | None]]:
    """A record's history, newest first, as (type, user name, change reason)."""
    rows = type(record).history.filter(id=record.pk).select_related("history_user")
    return [
        (
            row.history_type,
            row.history_user and row.history_user.username,
            row.history_change_reason,
        )
        for row in rows.order_by("-history_date", "-history_id")
    ]
