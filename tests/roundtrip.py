"""The round trip's far side, run as ``python -m tests.roundtrip DUMP OUT`` in a subprocess whose
environment names a fresh database (DATABASE_URL or SQLITE_PATH).

It migrates that database, loads DUMP with the validating loaddata, and writes to OUT (JSON):
the API's answer to every list, detail and history (``crawl``), the database's own dump (``dump``, for
the trip back), its vendor, and the id a new record gets afterwards (so a load that leaves a
sequence behind, and the next write collides, is caught).
"""

from __future__ import annotations

import io
import json
import sys

LISTS = [
    "/api/v1/events/",
    "/api/v1/events/?ordering=title",
    "/api/v1/claims/",
    "/api/v1/actors/",
    "/api/v1/sources/",
    "/api/v1/stats/timeline/?bucket=year",
    "/api/v1/stats/timeline/?bucket=month",
]


# What a move carries: the record with its history, and the accounts the history names.
DUMPED = ["auth.user", "authtoken", "tracker"]


def crawl(client) -> dict[str, object]:
    """Every list (all pages), every detail the lists link to and each detail's history."""
    answers: dict[str, object] = {}
    for path in LISTS:
        # Stats are not paginated (and refuse a page_size they do not take).
        separator = "&" if "?" in path else "?"
        url = path if "/stats/" in path else f"{path}{separator}page_size=200"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.json()
        answers[path] = body
        if isinstance(body, dict):
            assert body["next"] is None, f"{path} has more than one page of 200"
            for item in body["results"]:
                detail = item["url"].removeprefix("http://testserver")
                answers[detail] = client.get(detail).json()
                history = client.get(f"{detail}history/?page_size=200").json()
                assert history["next"] is None, f"{detail} has more than 200 history entries"
                answers[f"{detail}history/"] = history
    return answers


def dump() -> str:
    """The record as ``dumpdata`` writes it: primary keys kept, references by natural key."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", *DUMPED, natural_foreign=True, indent=1, stdout=out)
    return out.getvalue()


def main(dump_path: str, out_path: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tracker.models import Actor

    call_command("migrate", verbosity=0, interactive=False)
    call_command("loaddata", dump_path, verbosity=0)
    result = {"vendor": connection.vendor, "crawl": crawl(Client()), "dump": dump()}
    highest = Actor.objects.order_by("-pk").values_list("pk", flat=True).first()
    created = Actor.objects.create(slug="after-the-round-trip", name="After", kind="person")
    result["next_id"] = [highest, created.pk]
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
