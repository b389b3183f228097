"""The browsable API docs render in a real browser with no internet."""

from tests.browser.conftest import screenshot


def test_api_docs_render_offline(site, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{site.url}/api/docs/")
    page.wait_for_selector("text=Timeline & claims tracker API")
    page.wait_for_selector("text=/api/v1/events/")
    assert all(url.startswith(site.url) or url.startswith("data:") for url in requests), requests
    assert screenshot(page, "api-docs").stat().st_size > 10_000
