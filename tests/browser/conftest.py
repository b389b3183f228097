"""Browser tests: headless Chromium (Debian's package) driven by Playwright against the real site.

The site is served as a user would run it: gunicorn over a fresh SQLite file, migrated and
loaded with the seed record, in a subprocess. The test database of the rest of the suite is
not involved, so these tests run the same whether the suite runs on SQLite or PostgreSQL.
Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# axe-core, which `make test` installs from the npm registry (see the Makefile's $(AXE)).
AXE = ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """A served copy of the project: its URL and a way to run its management commands."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL"}}
        self.env.update(
            SQLITE_PATH=str(workdir / "site.sqlite3"),
            STATIC_ROOT=str(workdir / "static"),
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_ALLOW_ASYNC_UNSAFE="true",
            THROTTLE_ANON_RATE="off",  # a page load makes several API requests in a burst
            THROTTLE_USER_RATE="off",
        )
        self.url = ""
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, input=stdin, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("loaddata", "places", "record", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the site did not start in 30 s")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    served = Site(tmp_path_factory.mktemp("site"))
    served.start()
    yield served
    served.stop()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not installed at {CHROMIUM}; `make test` installs it")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is not installed at {AXE}; `make test` installs it")
        pytest.skip(f"axe-core is not installed at {AXE} (`make browser-deps` installs it)")
    return AXE


def axe_violations(page, axe_script: Path, disabled: tuple[str, ...] = ()) -> list[str]:
    """The page's accessibility violations by axe-core, with the rule set Lighthouse's audit
    draws on (WCAG 2.x A and AA, and best practices such as heading order), one line each;
    `disabled` names rules not to run."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern (a <script> tag that add_script_tag inlines would be refused by script-src 'self').
    page.evaluate(f"{axe_script.read_text()}\n;undefined")
    result = page.evaluate(
        """(disabled) => axe.run(document, {
             runOnly: {type: "tag",
               values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
             rules: Object.fromEntries(disabled.map((id) => [id, {enabled: false}]))})""",
        list(disabled),
    )
    return [
        f"{v['id']}: {node['target']} {node['failureSummary']}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
