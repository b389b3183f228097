"""The Content-Security-Policy holds in a real browser: the timeline page, the admin and the API
docs load and work with it, and nothing they load or run is refused (no violation reported,
none in the console)."""

import pytest
from playwright.sync_api import expect

PASSWORD = "a-long-enough-passphrase"

# Reports every violation into window.__csp before any script of the page runs.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN)

    def violations() -> list[str]:
        reported = page.evaluate("window.__csp || []")
        logged = [text for text in console if "Content Security Policy" in text]
        return reported + logged

    page.violations = violations
    return page


def test_the_timeline_page_runs_under_the_policy(site, watched):
    response = watched.goto(f"{site.url}/?date_from=2022-07&date_to=2022-07")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    watched.wait_for_selector("body[data-state='ready']", state="attached")
    watched.wait_for_selector("#summary >> text=in the window")
    watched.locator(".event").first.click()
    assert watched.violations() == []
    # The map (Leaflet) positions its markers and panes through the CSSOM, which style-src allows.
    watched.goto(f"{site.url}/?date_from=2017&date_to=2019")
    watched.wait_for_selector("body[data-state='ready']", state="attached")
    watched.locator("#map .place-marker").first.click()
    watched.wait_for_selector(".leaflet-popup a.place-event")
    watched.locator("#map .leaflet-control-zoom-in").click()
    assert watched.violations() == []


def test_the_admin_runs_under_the_policy(site, watched):
    site.manage("curator", "csp-ada", "--password-stdin", stdin=f"{PASSWORD}\n")
    response = watched.goto(f"{site.url}/admin/login/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    watched.fill("#id_username", "csp-ada")
    watched.fill("#id_password", PASSWORD)
    watched.click("input[type=submit]")
    expect(watched.locator("#site-name")).to_be_visible()
    for path in ["/admin/", "/admin/tracker/claim/", "/admin/tracker/source/"]:
        watched.goto(f"{site.url}{path}")
        watched.wait_for_load_state("networkidle")
    watched.locator("#result_list tbody th a").first.click()  # a source, its quotes highlighted
    mark = watched.locator(".source-text mark.quote").first
    background = mark.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == "rgb(255, 224, 102)"  # the styles came from the site's file
    watched.goto(f"{site.url}/admin/tracker/source/add/")
    # The inline claims and the autocomplete (select2) work: their scripts were allowed.
    watched.click("#claims-group .add-row a")
    watched.click("#claims-0 .field-claimant .select2-selection")
    watched.fill(".select2-search--dropdown .select2-search__field", "Matsegora")
    expect(watched.locator(".select2-results__option").first).to_contain_text("Matsegora")
    assert watched.violations() == []


def test_the_api_docs_run_under_the_policy(site, watched):
    response = watched.goto(f"{site.url}/api/docs/")
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    watched.wait_for_selector("text=Timeline & claims tracker API")
    watched.wait_for_selector("text=/api/v1/events/")
    watched.wait_for_load_state("networkidle")
    assert watched.violations() == []


def test_the_browsable_api_runs_under_the_policy(site, watched):
    response = watched.goto(f"{site.url}/api/v1/events/?page_size=2")
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(watched.locator(".response-info")).to_contain_text('"count"')
    watched.wait_for_load_state("networkidle")
    assert watched.violations() == []
