"""The Observable Framework dashboard (dashboards/observable/): built from the served site's API
alone, offline (no CDN), and its built page shows its charts with the seed record's numbers."""

import functools
import json
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.conftest import ROOT, Site, screenshot

PROJECT = ROOT / "dashboards" / "observable"
RECORD = json.loads((ROOT / "fixtures" / "record.json").read_text())
CHARTS = ["timeline", "status", "actors", "publishers"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A copy of the site of its own, with the seed record as it is: the shared one is changed
    by the curation tests, and these compare with fixtures/record.json."""
    served = Site(tmp_path_factory.mktemp("observable-site"))
    served.start()
    yield served
    served.stop()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def built(site, tmp_path):
    if not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("npm is not installed; the Observable dashboard cannot be built")
        pytest.skip("npm is not installed")
    if not (PROJECT / "node_modules" / ".package-lock.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROJECT, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    # Data loaders cache their output: drop it so the build reads this site.
    shutil.rmtree(PROJECT / "src" / ".observablehq" / "cache" / "data", ignore_errors=True)
    output = tmp_path / "dist"
    build = subprocess.run(
        ["npx", "--no-install", "observable", "build"],
        cwd=PROJECT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "TRACKER_URL": site.url, "OBSERVABLE_OUTPUT": str(output)},
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(output))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_built_dashboard_shows_its_charts(built, page):
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{built}/")
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart} svg rect")
    assert page.inner_text("#count-events") == str(
        sum(o["model"] == "tracker.event" for o in RECORD)
    )
    assert page.inner_text("#count-claims") == str(
        sum(o["model"] == "tracker.claim" for o in RECORD)
    )
    assert page.locator("#latest-events tbody tr").count() == 10
    assert problems == []
    # The built site is self-contained: nothing from a CDN or a font service.
    assert all(url.startswith(built) or url.startswith("data:") for url in requests), requests
    screenshot(page, "observable-dashboard")
