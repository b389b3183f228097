"""How long the annotate page takes on a long source: 200,000 characters, 500 claims.

    .venv/bin/python bench/workbench.py            # SQLite file /tmp/bench/workbench.sqlite3
    DATABASE_URL=postgres://... .venv/bin/python bench/workbench.py

Migrates a fresh database (on PostgreSQL it first EMPTIES the database DATABASE_URL names: give
it a scratch one), loads the seed record, adds one source of about 200,000 characters
(the five seed documents, each sentence numbered so that every quote stands once) with 500
claims on it, then requests ``/admin/tracker/source/<id>/annotate/`` as a curator through
Django's test client (no network, DEBUG off) and prints the median and worst of BENCH_ROUNDS
(10) requests after one warm-up, and how long the suggestions alone take. Figures go in
docs/curation.md.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    path = Path(os.environ.get("SQLITE_PATH", "/tmp/bench/workbench.sqlite3"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker import suggestions  # noqa: E402
from tracker.models import Actor, Claim, Source  # noqa: E402

LENGTH = int(os.environ.get("BENCH_CHARS", 200_000))
CLAIMS = int(os.environ.get("BENCH_CLAIMS", 500))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 10))


def build() -> Source:
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("loaddata", "record", verbosity=0)
    seeds = list(Source.objects.order_by("pk").values_list("text", flat=True))
    paragraphs, round_ = [], 0
    while sum(map(len, paragraphs)) < LENGTH:
        round_ += 1
        for text in seeds:
            for paragraph in text.split("\n\n"):
                if paragraph.strip():
                    paragraphs.append(f"[{round_}] {paragraph.strip()}")
    text = "\n\n".join(paragraphs)[:LENGTH]
    tass = Actor.objects.get(slug="tass")
    source = Source.objects.create(
        slug="workbench-bench", title="A long source", publisher=tass, published="2022-07",
        text=text,
    )  # fmt: skip
    # 500 claims spread over the text: each quote is the start of a numbered paragraph.
    starts = [match.start() for match in re.finditer(r"(?m)^\[", text)]
    starts = starts[:: max(1, len(starts) // CLAIMS)][:CLAIMS]
    actors = list(Actor.objects.filter(kind="person"))
    claims = []
    for number, start in enumerate(starts):
        space = text.find(" ", start + 60)
        end = space if space > 0 else len(text)
        claims.append(
            Claim(
                slug=f"bench-claim-{number}", text=f"Claim {number}", quote=text[start:end],
                quote_start=start, quote_end=end, claimant=actors[number % len(actors)],
                source=source, stated="2022-07", stated_start="2022-07-01",
                stated_end="2022-07-31", stated_precision="month",
            )
        )  # fmt: skip
    Claim.objects.bulk_create(claims)
    return source


def main() -> None:
    source = build()
    print(f"source: {len(source.text):,} characters, {source.claims.count()} claims")
    user = User.objects.create_superuser("bench", password="x")
    client = Client()
    client.force_login(user)
    url = f"/admin/tracker/source/{source.pk}/annotate/"
    response = client.get(url)  # warm-up
    assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        timings.append(time.perf_counter() - began)
    began = time.perf_counter()
    found = suggestions.for_source(source)
    alone = time.perf_counter() - began
    print(
        f"annotate page: median {statistics.median(timings) * 1000:.0f} ms, "
        f"worst {max(timings) * 1000:.0f} ms over {ROUNDS} requests; "
        f"{len(response.content):,} bytes, {len(queries)} queries ({connection.vendor})"
    )
    print(f"suggestions alone: {alone * 1000:.0f} ms ({len(found)} suggestions)")


if __name__ == "__main__":
    main()
