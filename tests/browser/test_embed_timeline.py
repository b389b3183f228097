"""The embeddable timeline at /embed/timeline/: TimelineJS3, served by the project, in Chromium.

The slides come from /api/v1/events/?format=timelinejs with the page's filters; nothing is
fetched from another host, and this is the one page another site may put in a frame.
"""

import http.server
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import screenshot

RECORD = json.loads((Path(__file__).parents[2] / "fixtures" / "record.json").read_text())
EVENTS = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.event"}
TIMELINEJS = Path(__file__).parents[2] / "vendor" / "node_modules" / "@knight-lab" / "timelinejs"

pytestmark = pytest.mark.skipif(
    not TIMELINEJS.is_dir(), reason="TimelineJS is not installed (make install runs npm ci)"
)


def slide_ids(page) -> list[str]:
    return page.eval_on_selector_all(".tl-slide[id]", "nodes => nodes.map(n => n.id)")


def open_embed(page, url):
    page.goto(url)
    page.wait_for_selector(".tl-timeline .tl-slide", state="attached")
    page.wait_for_function("document.querySelectorAll('.tl-slide').length > 1")


def tagged(tag: str) -> list[str]:
    return [
        slug
        for slug, event in EVENTS.items()
        if tag in event.get("tags", [[]]) or any(tag in item for item in event.get("tags", []))
    ]


def test_the_embedded_timeline_shows_a_slide_per_event(site, page):
    requests, console = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(message.text))
    open_embed(page, f"{site.url}/embed/timeline/?date_from=2022-07&date_to=2022-07")
    expected = json.loads(
        urllib.request.urlopen(
            f"{site.url}/api/v1/events/?date_from=2022-07&date_to=2022-07&format=timelinejs"
        ).read()
    )
    ids = slide_ids(page)
    # The title slide and one slide per event, in the API's order.
    assert ids[1:] == [slide["unique_id"] for slide in expected["events"]]
    assert len(ids) - 1 == len(expected["events"]) > 0
    assert "north-korea-recognizes-dpr-lpr-2022" in ids
    headline = page.inner_text("#ukraine-severs-relations-north-korea-2022 .tl-headline")
    assert headline.strip() == EVENTS["ukraine-severs-relations-north-korea-2022"]["title"]
    # Everything (TimelineJS, its styles and locale, the data) came from the site itself.
    hosts = {urlparse(url).netloc for url in requests if not url.startswith("data:")}
    assert hosts == {urlparse(site.url).netloc}, requests
    # And it runs under the site's Content-Security-Policy: nothing it needs is refused.
    assert [text for text in console if "Content Security Policy" in text] == []
    screenshot(page, "embed-timeline")


def test_only_the_embed_may_be_framed(site, page):
    embed = urllib.request.urlopen(f"{site.url}/embed/timeline/")
    assert embed.headers.get("X-Frame-Options") is None
    policy = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert urllib.request.urlopen(f"{site.url}/").headers["X-Frame-Options"] == "DENY"
    # In a frame of a story served from another origin, the slides show. (The story is served
    # locally: Chromium keeps a page it takes for public from framing a local address.)
    story = (
        f'<!doctype html><iframe id="story" src="{site.url}/embed/timeline/?q=vladivostok" '
        'style="width:1000px;height:600px"></iframe>'
    ).encode()

    class Story(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(story)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Story)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        frame = page.frame_locator("#story")
        frame.locator(".tl-slide").nth(1).wait_for(state="attached")
        assert frame.locator("#vladivostok-summit-2019").count() == 1
    finally:
        server.shutdown()


def test_bad_filters_are_a_json_400(site):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{site.url}/embed/timeline/?date_from=2022-13")
    assert error.value.code == 400
    assert "date_from" in json.loads(error.value.read())["errors"]
