"""The benchmark behind ``make bench``: the project and the raw baseline under wrk, side by side.

Serves the project with gunicorn (one sync worker, DEBUG off) on loopback and the raw SQL +
orjson baseline (``bench/baseline.py``) beside it over the same database, checks that both give
the same events page, then drives each endpoint with wrk (one connection: latency is service
time, not queueing) and prints requests per second and p50/p99 latency, each latency also as a
ratio to the baseline's events page measured in the same run.

The database is ``DATABASE_URL`` if set (PostgreSQL), else the SQLite file ``SQLITE_PATH``
(default ``/tmp/bench/bench-<events>.sqlite3``); an empty one is migrated and filled with
``generate_data --events BENCH_EVENTS --claims-per-event BENCH_CLAIMS --seed 1`` first, and
kept for the next run.

Each figure is the median over BENCH_ROUNDS rounds (3), each round running wrk on every
endpoint for BENCH_DURATION seconds (5). Also: BENCH_EVENTS (100000), BENCH_CLAIMS (10),
BENCH_CONNECTIONS (1), BENCH_WORKERS (1), BENCH_PORT_BASE (the servers listen on it and the
next few ports; unset: free ports the system picks).

Every request but one is sent with ``Cache-Control: no-cache``, so the project computes its
answer instead of repeating one it kept for this record version (``tracker.api.record_cache``);
the stats still read the rows they computed once for this version (the first request of each,
which computed them, is printed apart). The "repeat read" row is the events page without that
header: the kept answer. Then the throughput of the events page with 8 connections, one worker
against two; and on SQLite, Datasette (``bench/datasette_page.py``) over the same file: the same
events page from one canned query (checked to hold the same events and claims) and an events
search through its FTS5 support.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.datasette_page, run as a script from anywhere
BIN = Path(sys.executable).parent
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "10"))
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "1"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE") or 0)
WINDOW = ("2001-01-01", "2001-12-31")  # a one-year window in the middle of 1950-2024
NO_CACHE = {"Cache-Control": "no-cache"}


def environment() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    # The benchmark measures service time; the per-client rate limit would answer 429 instead.
    env.update(THROTTLE_ANON_RATE="off", THROTTLE_USER_RATE="off")
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = env.get("SQLITE_PATH") or f"/tmp/bench/bench-{EVENTS}.sqlite3"
    env.pop("DJANGO_ENV", None)
    return env


def manage(env, *args, capture=False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, text=True, capture_output=capture,
    )  # fmt: skip
    return result.stdout if capture else ""


def shell(env, code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code, capture=True).strip()


def prepare(env) -> dict:
    """Migrate, generate the data if the database has none, and pick the benchmark's targets."""
    if "SQLITE_PATH" in env:
        Path(env["SQLITE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v0")
    count = int(shell(env, "from tracker.models import Event; print(Event.objects.count())"))
    if count < EVENTS:
        print(f"Generating {EVENTS} events x {CLAIMS} claims (once; the database is kept) ...")
        started = time.monotonic()
        manage(env, "generate_data", "--events", str(EVENTS), "--claims-per-event", str(CLAIMS),
               "--seed", "1")  # fmt: skip
        print(f"  done in {time.monotonic() - started:.0f} s")
    picks = shell(
        env,
        "import json\n"
        "from django.db.models import Count\n"
        "from tracker.models import Actor, Claim, Event, Source\n"
        "claimant = Actor.objects.filter(kind='person').order_by('id')[10]\n"
        "source = Source.objects.order_by('id')[Source.objects.count() // 2]\n"
        "longest = Event.objects.order_by('-date_span').values_list('date_span', flat=True)[0]\n"
        "print(json.dumps({'events': Event.objects.count(), 'claims': Claim.objects.count(),\n"
        "  'claimant': claimant.slug, 'source': source.pk, 'longest': longest or 0}))",
    )
    return json.loads(picks.splitlines()[-1])


WINDOW_SNIPPET = """
import time
from django.db import connection
from tracker.models import Event
first, last = {first!r}, {last!r}
longest = Event.objects.order_by("-date_span").values_list("date_span", flat=True).first() or 0
cursor = connection.cursor()
cursor.execute("SELECT CAST(%s AS date) - %s" if connection.vendor == "postgresql"
               else "SELECT date(%s, '-' || %s || ' days')", [first, longest])
earliest = str(cursor.fetchone()[0])
naive = "date_end >= %s AND date_start <= %s"
bounded = naive + " AND date_start >= %s"
order = " ORDER BY date_start, date_precision, date_end, title, id LIMIT 50"
cases = [("naive", naive, [first, last]), ("bounded", bounded, [first, last, earliest])]
for name, where, params in cases:
    times = []
    for _ in range(15):
        started = time.perf_counter()
        cursor.execute("SELECT COUNT(*) FROM tracker_event WHERE " + where, params)
        cursor.fetchall()
        cursor.execute("SELECT id FROM tracker_event WHERE " + where + order, params)
        cursor.fetchall()
        times.append(time.perf_counter() - started)
    print(name, sorted(times)[len(times) // 2] * 1000)
"""


def window_queries(env) -> dict[str, float]:
    """The events window (count + page) with the naive overlap and with the bounded one."""
    output = shell(env, WINDOW_SNIPPET.format(first=WINDOW[0], last=WINDOW[1]))
    return {line.split()[0]: float(line.split()[1]) for line in output.splitlines()[-2:]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port(offset: int) -> int:
    """The port of the runner's ``offset``-th server: BENCH_PORT_BASE + offset, or a free one."""
    return PORT_BASE + offset if PORT_BASE else free_port()


def serve(env, app: str, offset: int, workers: int = WORKERS) -> tuple[subprocess.Popen, str]:
    bound = port(offset)
    process = subprocess.Popen(
        # A first computation over the whole record may take longer than gunicorn's 30 s on a
        # loaded machine: the runner measures it rather than have the worker killed.
        [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{bound}", "--workers", str(workers),
         "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{bound}"


def serve_datasette(env, offset: int) -> tuple[subprocess.Popen, str, str]:
    """Datasette over the benchmark's SQLite file, with the canned events page."""
    from bench import datasette_page as datasette

    path = Path(env["SQLITE_PATH"])
    name = path.stem
    meta = datasette.write_metadata(path.with_suffix(".datasette.json"), name)
    bound = port(offset)
    process = subprocess.Popen(
        [str(BIN / "datasette"), "serve", str(path), "--metadata", str(meta), "--host",
         "127.0.0.1", "--port", str(bound), "--setting", "sql_time_limit_ms", "60000",
         "--setting", "default_page_size", "50", "--setting", "suggest_facets", "off"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{bound}", name


def fetch(url: str, headers: dict | None = None) -> bytes:
    deadline = time.monotonic() + 60
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int, headers: dict | None = None, connections: int = CONNECTIONS):
    threads = min(connections, 2)
    sent = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "120s",
         "--latency", *sent, url],
        check=True, text=True, capture_output=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx responses from {url}:\n{output}")

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * _UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"rps": rps, "p50": latency("50%"), "p99": latency("99%")}


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk).")
    env = environment()
    picks = prepare(env)
    database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    events_query = f"page_size=50&date_from={WINDOW[0]}&date_to={WINDOW[1]}"
    events_page = f"/api/v1/events/?{events_query}"
    # (name, path, headers): every request computed afresh but the repeat read.
    endpoints = [
        ("events page (1-year window, 50)", events_page, NO_CACHE),
        ("claims by claimant", f"/api/v1/claims/?claimant={picks['claimant']}&page_size=50",
         NO_CACHE),
        ("events q search", "/api/v1/events/?q=railway%20fabricated&page_size=50", NO_CACHE),
        ("claims q search", "/api/v1/claims/?q=fabricated%20railway&page_size=50", NO_CACHE),
        ("claims q, a common word (q=sanctions)", "/api/v1/claims/?q=sanctions&page_size=50",
         NO_CACHE),
        ("stats/timeline (year)", "/api/v1/stats/timeline/?bucket=year", NO_CACHE),
        ("stats/timeline (month, actor, q)",
         f"/api/v1/stats/timeline/?bucket=month&actor={picks['claimant']}&q=railway", NO_CACHE),
        ("stats/actors (15)", "/api/v1/stats/actors/?limit=15", NO_CACHE),
        ("stats/sources (publisher, 15)", "/api/v1/stats/sources/?by=publisher&limit=15",
         NO_CACHE),
        ("stats/claims (year)", "/api/v1/stats/claims/?by=year", NO_CACHE),
        ("source detail", f"/api/v1/sources/{picks['source']}/", NO_CACHE),
        ("repeat read: events page, kept answer", events_page, {}),
    ]  # fmt: skip
    servers = []
    project, project_url = serve(env, "config.wsgi", 0)
    baseline, baseline_url = serve(env, "bench.baseline:app", 1)
    servers += [project, baseline]
    datasette_url = None
    try:
        ours = json.loads(fetch(project_url + events_page, NO_CACHE))
        # The same page, its links aside: they name the server that answered.
        raw = json.loads(
            fetch(baseline_url + events_page).replace(baseline_url.encode(), project_url.encode())
        )
        if ours != raw:
            raise SystemExit("The baseline's events page differs from the project's: fix it first.")
        # What each search matches, as its answer counts it (a count past SEARCH_COUNT_LIMIT is
        # that limit, with count_exact: false).
        searches = []
        for name, path, _ in endpoints:
            if "q=" in path and "/stats/" not in path:
                body = json.loads(fetch(project_url + path, NO_CACHE))
                more = "+" if body.get("count_exact") is False else ""
                searches.append(f"{name}: {body['count']:,}{more}")
        targets = [("raw SQL + orjson baseline: events page", baseline_url + events_page, {})]
        targets += [(name, project_url + path, headers) for name, path, headers in endpoints]
        if database == "SQLite" and shutil.which(str(BIN / "datasette")):
            from bench import datasette_page as datasette

            process, datasette_url, name = serve_datasette(env, 2)
            servers.append(process)
            earliest = _days_before(WINDOW[0], picks["longest"])
            canned = (
                f"{datasette_url}/{name}/events_page.json?_shape=array&date_from={WINDOW[0]}"
                f"&date_to={WINDOW[1]}&earliest={earliest}"
            )
            if not datasette.same_page(ours, datasette.page_from(fetch(canned))):
                raise SystemExit("Datasette's events page differs from the project's: fix it.")
            search = (
                f"{datasette_url}/{name}/tracker_event.json?_search=railway*%20fabricated*"
                "&_searchmode=raw&_size=50&_shape=objects"
            )
            targets += [
                ("Datasette: events page (canned query)", canned, {}),
                ("Datasette: events search (FTS5, rows only)", search, {}),
            ]
        # The first request of each: the stats compute their rows for this record version.
        first, durations = {}, {}
        for name, url, headers in targets:
            started = time.monotonic()
            fetch(url, headers)
            first[name] = (time.monotonic() - started) * 1000
            # A slow request gets a longer run, so each round still sees at least ~5 of them.
            durations[name] = max(DURATION, math.ceil(5 * first[name] / 1000))
        # Rounds over every target, medians across them: a burst of load from elsewhere on the
        # machine then skews one round's figures, not the table.
        runs = {name: [] for name, _, _ in targets}
        for _ in range(ROUNDS):
            for name, url, headers in targets:
                runs[name].append(wrk(url, durations[name], headers))
        rows = [
            (name, {key: statistics.median(run[key] for run in results) for key in results[0]})
            for name, results in runs.items()
        ]
        # Throughput: the events page (computed) with 8 connections, one worker, then two.
        one = [wrk(project_url + events_page, DURATION, NO_CACHE, 8) for _ in range(ROUNDS)]
        two_workers, two_url = serve(env, "config.wsgi", 3, workers=2)
        servers.append(two_workers)
        fetch(two_url + events_page, NO_CACHE)
        two = [wrk(two_url + events_page, DURATION, NO_CACHE, 8) for _ in range(ROUNDS)]
        throughput = (
            statistics.median(run["rps"] for run in one),
            statistics.median(run["rps"] for run in two),
        )
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)

    window = window_queries(env)
    limit = rows[0][1]["p50"]
    print()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{database}, {picks['events']} events, {picks['claims']} claims; gunicorn, {WORKERS} "
        f"sync worker; wrk -c{CONNECTIONS} -d{DURATION}s, median of {ROUNDS} rounds; {machine}; "
        f"load average {load}"
    )
    print(f"events page: {events_query}; {ours['count']} events in the window")
    print(f"matches: {'; '.join(searches)}")
    print()
    print(
        f"| {'request':<44} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'p50 / raw':>9} "
        f"| {'first ms':>8} |"
    )
    print(f"|{'-' * 46}|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 10}:|{'-' * 9}:|")
    for name, result in rows:
        print(
            f"| {name:<44} | {result['rps']:>7.1f} | {result['p50']:>7.2f} | "
            f"{result['p99']:>7.2f} | {result['p50'] / limit:>8.2f}x | {first[name]:>8.1f} |"
        )

    print()
    print(
        f"throughput, events page, 8 connections: 1 worker {throughput[0]:.1f} req/s, "
        f"2 workers {throughput[1]:.1f} req/s ({throughput[1] / throughput[0]:.2f}x)"
    )
    print(
        f"window query alone (count + page of 50, SQL only, median): naive overlap "
        f"{window['naive']:.2f} ms, bounded below by the longest span {window['bounded']:.2f} ms"
    )
    if datasette_url is None and database == "SQLite":
        print("Datasette is not installed (pip install -e '.[bench]'): its rows are left out.")


def _days_before(day: str, days: int) -> str:
    import datetime

    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=days)).isoformat()


if __name__ == "__main__":
    main()
