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


def publish(record):
    """Take a record just written through the API or the admin (a draft) to published, through
    the workflow's service as a script (by nobody): what two curators would do, for tests about
    something else than the workflow."""
    from tracker import services

    record.refresh_from_db()
    services.transition(record=record, to="in_review")
    return services.transition(record=record, to="published")


def listed(client) -> set[tuple[str, str]]:
    """Every (kind, slug) the API's lists give this client, all pages."""
    found = set()
    for kind in ("actor", "source", "event", "claim"):
        url = f"/api/v1/{kind}s/?page_size=200"
        while url:
            body = client.get(url).json()
            found |= {(kind, item["slug"]) for item in body["results"]}
            url = body["next"]
    return found
