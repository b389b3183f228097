"""The timeline page at / in a real browser: what a person sees for the seed record.

Expected values come from fixtures/record.json (the served site is loaded with it), so the
page is checked against the record itself rather than against its own API answers.
"""

import json
import re
from pathlib import Path

from tests.browser.conftest import screenshot

RECORD = json.loads((Path(__file__).parents[2] / "fixtures" / "record.json").read_text())
EVENTS = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.event"}
ACTORS = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.actor"}
SOURCES = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.source"}
CLAIMS = [o["fields"] for o in RECORD if o["model"] == "tracker.claim"]

# July 2022: the six events dated inside the month (by date; month-precision events before
# the days of that month), and the three dated February-July 2022, which overlap it (by title).
JULY_INSIDE = [
    "matsegora-suggests-closer-economic-ties-2022",
    "north-korea-recognizes-dpr-lpr-2022",
    "ukrainian-foreign-ministry-statement-2022",
    "ukraine-severs-relations-north-korea-2022",
    "matsegora-izvestia-interview-2022",
    "pushilin-state-tv-interview-2022",
]
JULY_BEYOND = [
    "sanctions-on-russia-2022",
    "russia-invades-ukraine-2022",
    "unga-resolution-ukraine-withdrawal-2022",
]


def claims_of(event_slug):
    return [claim for claim in CLAIMS if [event_slug] in claim["events"]]


def open_timeline(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-state='ready']", state="attached")


def slugs(page, selector):
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.dataset.slug)")


def test_the_whole_record_on_one_axis(site, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_timeline(page, f"{site.url}/")
    assert len(slugs(page, "#events-inside li.event")) == len(EVENTS) == 35
    assert slugs(page, "#events-beyond li.event") == []
    assert len(slugs(page, "#axis g.event-mark")) == 35
    attached = {claim["slug"] for claim in CLAIMS if claim["events"]}
    assert page.inner_text("#summary") == f"35 events with {len(attached)} claims."
    # Precision decides the mark: a dot for a day (uncertain or not), a span for a month or a year.
    assert page.locator("#axis circle.mark.day").count() == sum(
        1 for e in EVENTS.values() if re.fullmatch(r"\d{4}-\d{2}-\d{2}[?~%]?", e["date"])
    )
    assert page.locator("#axis rect.mark").count() == 35 - page.locator("#axis circle").count()
    assert page.locator("#axis text.tick", has_text="2020").count() == 1
    # Everything the page needs comes from the site itself: no CDN.
    assert all(url.startswith(site.url) or url.startswith("data:") for url in requests), requests
    assert any("/api/v1/events/?page_size=200" in url for url in requests)
    screenshot(page, "timeline-all")


def test_july_2022_through_the_filters(site, page):
    open_timeline(page, f"{site.url}/")
    page.fill("#filter-from", "2022-07")
    page.fill("#filter-to", "2022-07")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"\?date_from=2022-07&date_to=2022-07$"))
    page.wait_for_selector("#summary >> text=6 in the window")
    assert slugs(page, "#events-inside li.event") == JULY_INSIDE
    assert slugs(page, "#events-beyond li.event") == JULY_BEYOND
    assert page.is_visible("#beyond h2:has-text('May fall in this window')")
    claims = {
        c["slug"] for c in CLAIMS if any([e] in c["events"] for e in JULY_INSIDE + JULY_BEYOND)
    }
    assert len(claims) == 30  # distinct: a claim about two of these events counts once
    assert page.inner_text("#summary") == (
        "9 events with 30 claims: 6 in the window, 3 that may fall in it."
    )
    # On the axis: three days as dots, July itself as three spans across the window, and the three
    # February-July events as dashed spans cut at the window's left edge (they end with it).
    assert page.locator("#axis circle.mark.day:not(.beyond)").count() == 3
    assert page.locator("#axis rect.mark.month:not(.beyond)").count() == 3
    assert page.locator("#axis rect.mark.month.beyond").count() == 3
    assert page.locator("#axis path.chevron").count() == 3
    ticks = page.eval_on_selector_all("#axis text.tick", "nodes => nodes.map(n => n.textContent)")
    assert ticks == ["1 Jul", "8 Jul", "15 Jul", "22 Jul", "29 Jul"]
    dates = page.eval_on_selector_all(
        "#events-inside li.event .date", "nodes => nodes.map(n => n.textContent)"
    )
    assert dates == [
        "about Jul 2022", "Jul 2022", "Jul 2022", "13 Jul 2022", "19 Jul 2022", "21 Jul 2022"
    ]  # fmt: skip
    assert page.get_attribute("#csv-link", "href") == (
        "/api/v1/events/?format=csv&date_from=2022-07&date_to=2022-07"
    )
    screenshot(page, "timeline-july-2022")


def test_an_events_claims_with_quotes_claimants_and_sources(site, page):
    event = "ukrainian-foreign-ministry-statement-2022"
    open_timeline(page, f"{site.url}/?date_from=2022-07&date_to=2022-07")
    page.click(f"#events-inside li.event[data-slug='{event}']")
    page.wait_for_url(re.compile(rf"&event={event}$"))
    panel = page.locator("#panel")
    assert panel.locator("h2").inner_text() == EVENTS[event]["title"]
    expected = claims_of(event)
    assert len(expected) == 4
    assert panel.locator(".claims-title").inner_text().lower() == "4 claims"
    assert panel.locator("article.claim").count() == 4
    text = panel.inner_text()
    for claim in expected:
        card = panel.locator(f"article.claim[data-claim='{claim['slug']}']")
        assert card.locator("blockquote").inner_text() == f"“{claim['quote']}”"
        assert ACTORS[claim["claimant"][0]]["name"] in card.inner_text()
        source = SOURCES[claim["source"][0]]
        assert source["title"] in card.locator(".source").inner_text()
        assert f"published {source['published']}" in card.locator(".source").inner_text()
    assert "Kuleba" in text
    assert page.locator(f"li.event.selected[data-slug='{event}']").count() == 1
    assert page.locator(f"#axis g.event-mark.selected[data-slug='{event}']").count() == 1
    screenshot(page, "timeline-claims")


def test_a_link_opens_the_same_view(site, page):
    event = "pushilin-state-tv-interview-2022"
    open_timeline(page, f"{site.url}/?actor=denis-pushilin&event={event}")
    assert page.input_value("#filter-actor") == "denis-pushilin"
    expected = [slug for slug, e in EVENTS.items() if ["denis-pushilin"] in _participants(slug)]
    assert slugs(page, "#events-inside li.event") == expected == [event]
    quotes = page.eval_on_selector_all(
        "#panel blockquote", "nodes => nodes.map(n => n.textContent)"
    )
    assert quotes == [f"“{c['quote']}”" for c in _by_stated(claims_of(event)) if c["quote"]]


def test_the_selects_filter_at_once_and_back_returns(site, page):
    open_timeline(page, f"{site.url}/")
    page.select_option("#filter-tag", "summit")
    page.wait_for_url(re.compile(r"\?tag=summit$"))
    page.wait_for_selector("#summary >> text=1 event with")
    assert slugs(page, "#events-inside li.event") == ["vladivostok-summit-2019"]
    page.go_back()
    page.wait_for_selector("#summary >> text=35 events")
    assert page.input_value("#filter-tag") == ""


def test_a_bad_date_is_explained(site, page):
    open_timeline(page, f"{site.url}/")
    page.fill("#filter-from", "2022-13")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-state='error']", state="attached")
    assert (
        page.inner_text("#errors") == "From: '2022-13' is not a real date (month must be in 1..12)."
    )
    assert slugs(page, "li.event") == []
    assert page.inner_text("#summary") == "No events shown: the filters need correcting."
    assert page.is_hidden(".axis-panel")
    screenshot(page, "timeline-bad-date")


def _participants(event_slug):
    return [
        o["fields"]["actor"]
        for o in RECORD
        if o["model"] == "tracker.eventactor" and o["fields"]["event"] == [event_slug]
    ]


def _by_stated(claims):
    return sorted(claims, key=lambda claim: claim["stated"])
