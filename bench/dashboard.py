"""The dashboard's first view at scale: /dashboard/ opened in headless Chromium over the benchmark
database, timed from navigation until every chart is drawn (``body[data-state=ready]``).

Uses the database of ``bench/run.py`` (``DATABASE_URL``, else ``SQLITE_PATH``, else
``/tmp/bench/bench-<BENCH_EVENTS>.sqlite3``, generated once if it holds fewer events). The
project is served by gunicorn with DASHBOARD_WORKERS sync workers (2, as ``make run``), DEBUG
off. Each of DASHBOARD_ROUNDS rounds (5) opens the page in a fresh browser context (an empty
HTTP cache: a first view), then once more in the same context (a repeat view within
``API_CACHE_MAX_AGE``). Prints the medians, the API requests each view made to the server, and
each request's time, in the page and alone.

    .venv/bin/python bench/dashboard.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: the database and its preparation)

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ROUNDS = int(os.environ.get("DASHBOARD_ROUNDS", "5"))
WORKERS = os.environ.get("DASHBOARD_WORKERS", "2")
PAGE = os.environ.get("DASHBOARD_PATH", "/dashboard/")


def served(log: Path) -> int:
    """How many API requests the server has answered (its access log's lines)."""
    return sum("/api/" in line for line in log.read_text().splitlines())


def view(page, url: str) -> tuple[float, dict[str, float]]:
    """Open the page; the seconds until every chart is drawn, and each API request's ms (as the
    browser saw it: from its HTTP cache, if it was fresh there)."""
    timings: dict[str, float] = {}

    def finished(request):
        if "/api/" in request.url:
            timing = request.timing
            timings[request.url.split("/api/v1/")[1]] = timing["responseEnd"]  # from its start

    page.on("requestfinished", finished)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-state='ready']", state="attached", timeout=120_000)
    elapsed = time.perf_counter() - started
    states = page.eval_on_selector_all("section.chart", "s => s.map(n => n.dataset.state)")
    if any(state != "ready" for state in states):
        raise RuntimeError(f"not every chart was drawn: {states}")
    page.remove_listener("requestfinished", finished)
    return elapsed, timings


def main() -> None:
    from playwright.sync_api import sync_playwright

    env = run.environment()
    facts = run.prepare(env)
    static = tempfile.mkdtemp(prefix="dashboard-static-")
    env["STATIC_ROOT"] = static
    run.manage(env, "collectstatic", "--noinput", "-v0")
    log = Path(static) / "access.log"
    log.touch()
    port = run.free_port()
    server = subprocess.Popen(
        [str(run.BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", WORKERS, "--log-level", "warning", "--timeout", "120",
         "--access-logfile", str(log)],
        cwd=run.ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(f"{facts['events']:,} events, {facts['claims']:,} claims; {WORKERS} workers")
        first, repeat, requests = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for number in range(ROUNDS):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                before = served(log)
                seconds, timings = view(page, base + PAGE)
                middle = served(log)
                again, _ = view(context.new_page(), base + PAGE)
                first.append(seconds)
                repeat.append(again)
                requests.append(timings)
                print(
                    f"round {number + 1}: first view {seconds:.2f} s "
                    f"({middle - before} API requests served), repeat view {again:.2f} s "
                    f"({served(log) - middle} served)"
                )
                context.close()
            browser.close()
        print(f"first view, median: {statistics.median(first):.2f} s")
        print(f"repeat view, median: {statistics.median(repeat):.2f} s")
        print("each API request in the first view (median, ms; six at once on the workers):")
        for name in requests[0]:
            ms = statistics.median(timings[name] for timings in requests)
            print(f"  {ms:8.0f} ms  /api/v1/{name}")
        print("each alone, one after the other (median of 3, ms):")
        for name in requests[0]:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                urllib.request.urlopen(f"{base}/api/v1/{name}", timeout=120).read()
                times.append((time.perf_counter() - started) * 1000)
            print(f"  {statistics.median(times):8.0f} ms  /api/v1/{name}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(static, ignore_errors=True)


if __name__ == "__main__":
    main()
