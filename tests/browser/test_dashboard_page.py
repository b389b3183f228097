"""The dashboard at /dashboard/ in a real browser: every chart drawn from the seed record, one
request each, the filters in the URL, a click on a bar landing on the filtered view, the empty
and error states, the keyboard, and a strict Content-Security-Policy.

Expected values come from fixtures/record.json (the served site is loaded with it).
"""

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, Site, screenshot

RECORD = json.loads((ROOT / "fixtures" / "record.json").read_text())
EVENTS = [o["fields"] for o in RECORD if o["model"] == "tracker.event"]
CLAIMS = [o["fields"] for o in RECORD if o["model"] == "tracker.claim"]
CHARTS = ["timeline", "status", "kind", "actors", "sources", "publishers"]
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"

if not (ROOT / "tracker" / "static" / "dashboard" / "vendor" / "vega-bundle.js").exists():
    if os.environ.get("CI"):
        raise RuntimeError("the Vega bundle is not built: `make install` builds it (needs npm)")
    pytest.skip("the Vega bundle is not built (make install)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A copy of the site of its own, with the seed record as it is: the shared one is changed
    by the curation tests, and these compare with fixtures/record.json."""
    served = Site(tmp_path_factory.mktemp("dashboard-site"))
    served.start()
    yield served
    served.stop()


def open_dashboard(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-state='ready']", state="attached")


def states(page):
    return page.eval_on_selector_all(
        "section.chart",
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.chart, n.dataset.state]))",
    )


def table(page, chart):
    """The chart's numbers as {row label: {column: number}}, read from its table."""
    return page.eval_on_selector(
        f"#chart-{chart} table",
        """t => {
          const columns = [...t.tHead.rows[0].cells].slice(1).map(c => c.textContent);
          return Object.fromEntries([...t.tBodies[0].rows].map(r => [r.cells[0].textContent,
            Object.fromEntries(columns.map((c, i) => [c, Number(r.cells[i + 1].textContent)]))]));
        }""",
    )


def watch_console(page):
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_every_chart_drawn_from_the_seed_record(site, page):
    problems = watch_console(page)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_dashboard(page, f"{site.url}/dashboard/")
    assert states(page) == dict.fromkeys(CHARTS, "ready")
    for chart in CHARTS:
        assert page.locator(f"#chart-{chart} svg .mark-rect path").count() > 0, chart
    # One request per chart, all to the site itself (no CDN).
    stats = [url for url in requests if "/api/" in url]
    assert len(stats) == len(CHARTS), stats
    assert all(url.startswith(site.url) or url.startswith("data:") for url in requests), requests
    # The numbers are the record's.
    years = table(page, "timeline")
    assert sum(row["events"] for row in years.values()) == len(EVENTS)
    assert years["2022"]["events"] == sum(e["date"].startswith("2022") for e in EVENTS)
    kinds = table(page, "kind")
    assert kinds["statement"]["statement"] == sum(c["kind"] == "statement" for c in CLAIMS)
    statuses = table(page, "status")
    for status in ("unverified", "disputed"):
        assert sum(row[status] for row in statuses.values()) == sum(
            c["status"] == status for c in CLAIMS
        )
    actors = table(page, "actors")
    assert actors["Alexander Matsegora"]["claims"] == sum(
        c["claimant"] == ["alexander-matsegora"] for c in CLAIMS
    )
    # Each chart links the API URL it was drawn from, as JSON and CSV.
    assert (
        page.get_attribute("#chart-timeline a.json", "href")
        == "/api/v1/stats/timeline/?bucket=year"
    )
    assert (
        page.get_attribute("#chart-timeline a.csv", "href")
        == "/api/v1/stats/timeline/?bucket=year&format=csv"
    )
    assert (
        page.get_attribute("#chart-publishers a.csv", "href")
        == "/api/v1/stats/sources/?by=publisher&limit=15&format=csv"
    )
    with urllib.request.urlopen(
        site.url + page.get_attribute("#chart-status a.csv", "href")
    ) as answer:
        assert answer.headers["Content-Type"].startswith("text/csv")
        assert (
            answer.read()
            .decode()
            .startswith("period,claims,unverified,corroborated,disputed,refuted")
        )
    assert problems == []
    screenshot(page, "dashboard-all")


def test_a_filter_change_redraws_and_updates_the_url(site, page):
    problems = watch_console(page)
    open_dashboard(page, f"{site.url}/dashboard/")
    page.select_option("#filter-actor", "alexander-matsegora")
    page.wait_for_url(re.compile(r"/dashboard/\?actor=alexander-matsegora$"))
    page.wait_for_selector(
        "#chart-status[data-url*='claimant=alexander-matsegora'][data-state='ready']"
    )
    page.wait_for_selector("body[data-state='ready']", state="attached")
    statuses = table(page, "status")
    assert sum(
        row["unverified"] + row["disputed"] + row["refuted"] + row["corroborated"]
        for row in statuses.values()
    ) == sum(c["claimant"] == ["alexander-matsegora"] for c in CLAIMS)
    assert "actor=alexander-matsegora" in page.get_attribute("#chart-timeline a.json", "href")

    page.fill("#filter-from", "2022")
    page.select_option("#filter-bucket", "month")
    page.wait_for_url(re.compile(r"\?actor=alexander-matsegora&date_from=2022&bucket=month$"))
    page.wait_for_selector("#chart-timeline[data-url*='bucket=month'][data-state='ready']")
    page.wait_for_selector("body[data-state='ready']", state="attached")
    assert all(label.startswith("2022-") for label in table(page, "timeline"))
    # The view can be shared: opening its URL draws the same charts, with the form filled in.
    page.goto(page.url)
    page.wait_for_selector("body[data-state='ready']", state="attached")
    assert page.input_value("#filter-from") == "2022"
    assert page.input_value("#filter-actor") == "alexander-matsegora"
    assert all(label.startswith("2022-") for label in table(page, "timeline"))
    # Back goes back to the previous view.
    page.go_back()
    page.wait_for_url(re.compile(r"\?actor=alexander-matsegora$"))
    assert problems == []


def test_a_click_on_a_year_opens_the_timeline_of_that_year(site, page):
    open_dashboard(page, f"{site.url}/dashboard/")
    in_2022 = sum(e["date"].startswith("2022") for e in EVENTS)
    page.click(f"#chart-timeline .mark-rect path[aria-label='2022: {in_2022} events']")
    page.wait_for_url(f"{site.url}/?date_from=2022&date_to=2022")
    page.wait_for_selector("body[data-state='ready']", state="attached")
    with urllib.request.urlopen(f"{site.url}/api/v1/events/?date_from=2022&date_to=2022") as answer:
        expected = json.load(answer)["count"]
    shown = page.locator("#events-inside li.event, #events-beyond li.event").count()
    assert shown == expected


def test_a_click_on_a_status_opens_the_claims_list_filtered(site, page):
    open_dashboard(page, f"{site.url}/dashboard/?date_from=2022")
    disputed = sum(c["status"] == "disputed" and c["stated"].startswith("2022") for c in CLAIMS)
    assert disputed >= 1
    page.click(f"#chart-status .mark-rect path[aria-label='2022: {disputed} disputed']")
    page.wait_for_url(f"{site.url}/api/v1/claims/?stated_from=2022&stated_to=2022&status=disputed")
    assert f'"count": {disputed}' in page.inner_text("body")


def test_a_click_on_an_actor_opens_the_timeline_of_that_actor(site, page):
    open_dashboard(page, f"{site.url}/dashboard/")
    page.locator(
        "#chart-actors .mark-rect path[aria-label^='Alexander Matsegora: '][aria-label$=' events']"
    ).click()
    page.wait_for_url(f"{site.url}/?actor=alexander-matsegora")
    page.wait_for_selector("body[data-state='ready']", state="attached")
    assert page.input_value("#filter-actor") == "alexander-matsegora"


def test_empty_and_error_states(site, page):
    problems = watch_console(page)
    open_dashboard(page, f"{site.url}/dashboard/?date_from=1800&date_to=1801")
    assert states(page) == {
        "timeline": "empty", "status": "empty", "kind": "empty",
        "actors": "ready", "sources": "ready", "publishers": "ready",
    }  # fmt: skip
    assert page.inner_text("#chart-timeline .status") == "No events match these filters."
    assert page.inner_text("#chart-status .status") == "No claims match these filters."
    assert page.is_hidden("#errors")

    open_dashboard(page, f"{site.url}/dashboard/?date_from=2022-02-30")
    assert states(page)["timeline"] == "error"
    assert states(page)["actors"] == "ready"
    assert page.is_visible("#errors")
    assert page.inner_text("#errors").startswith("From: '2022-02-30' is not a real date")
    assert "From: '2022-02-30' is not a real date" in page.inner_text("#chart-timeline .status")
    # The browser logs the 400 answers as failed loads; nothing else may go wrong.
    assert all("status of 400" in problem for problem in problems), problems
    screenshot(page, "dashboard-error")


def test_the_keyboard_reaches_every_number(site, page):
    open_dashboard(page, f"{site.url}/dashboard/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#chart-timeline summary')"):
            break
    else:
        pytest.fail("the timeline's table cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
        "1990, 1 events"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/?date_from=1990&date_to=1990")


def test_it_runs_under_a_strict_content_security_policy(site, page):
    problems = watch_console(page)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response,
            headers={**response.headers, "content-security-policy": STRICT_CSP},
        )

    page.route(re.compile(r".*/dashboard/(\?.*)?$"), with_csp)
    open_dashboard(page, f"{site.url}/dashboard/")
    assert states(page) == dict.fromkeys(CHARTS, "ready")
    assert problems == []


def test_the_page_needs_no_inline_script_or_style():
    html = (ROOT / "tracker" / "templates" / "tracker" / "dashboard.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "style=" not in html and "<style" not in html
    assert Path(ROOT / "tracker" / "static" / "dashboard" / "dashboard.js").exists()
