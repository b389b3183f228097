"""How long changing a source's text takes, with 1 and with 500 claims marked in it.

    .venv/bin/python bench/relocate.py                 # 1 MB of text, 1 and 500 claims
    .venv/bin/python bench/relocate.py --mb 1 --claims 1 500 2000

A change of text is validated (every quote must still stand in the new text) and then moves
every quote's offsets; both read the text through one index (``quotes.Locator``) per write, so
the time should not grow with the claims. Runs on a fresh SQLite file in a temporary directory
(or on ``DATABASE_URL``'s database if set, which it migrates), and prints the median of 3 runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup() -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "relocate.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def sentence(number: int) -> str:
    return f"Sentence number {number} says that the trade figure {number * 7} was reported. "


def run(megabytes: float, claims: int, rounds: int = 3) -> float:
    from tracker import services
    from tracker.models import Actor, Claim, Source

    count = int(megabytes * 1_000_000 / len(sentence(50_000)))
    text = "".join(sentence(number) for number in range(count))
    actor, _ = Actor.objects.get_or_create(
        slug="bench-actor", defaults={"name": "B", "kind": "person"}
    )
    Source.objects.filter(slug="bench-source").delete()
    source = services.source_create(title="Bench", slug="bench-source", published="2020", text=text)
    step = max(1, count // claims)
    Claim.objects.bulk_create(
        Claim(
            slug=f"bench-claim-{number}", text="x", quote=sentence(number * step).strip(),
            claimant=actor, source=source, stated="2020",
        )
        for number in range(claims)
    )  # fmt: skip
    services.relocate_quotes(source)
    timings = []
    for round_ in range(rounds):
        source = Source.objects.get(pk=source.pk)
        new_text = f"Preface {round_}.\n\n" + text
        started = time.perf_counter()
        services.source_update(source=source, data={"text": new_text})
        timings.append(time.perf_counter() - started)
    first = Claim.objects.filter(source=source).order_by("pk").first()
    assert new_text[first.quote_start : first.quote_end] == first.quote
    Claim.objects.filter(source=source).delete()
    Source.objects.filter(pk=source.pk).delete()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="Megabytes of text.")
    parser.add_argument("--claims", type=int, nargs="+", default=[1, 500])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup()
    for claims in args.claims:
        seconds = run(args.mb, claims, args.rounds)
        print(f"{args.mb:g} MB text, {claims:>5} claims: {seconds * 1000:8.0f} ms per text change")


if __name__ == "__main__":
    main()
