"""The timeline page at / in a real browser: what a person sees for the seed record.

Expected values come from fixtures/record.json (the served site is loaded with it), so the
page is checked against the record itself rather than against its own API answers.
"""

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, screenshot
from tracker.models import Place
from tracker.places import place_for_location

RECORD = json.loads((Path(__file__).parents[2] / "fixtures" / "record.json").read_text())
EVENTS = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.event"}
ACTORS = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.actor"}
SOURCES = {o["fields"]["slug"]: o["fields"] for o in RECORD if o["model"] == "tracker.source"}
PLACES = json.loads((Path(__file__).parents[2] / "fixtures" / "places.json").read_text())
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


def places_of(event_slugs):
    """{place slug: [event slugs]} by the loader's rule, and how many events have no place."""
    places = [Place(**entry["fields"]) for entry in PLACES]
    found, unplaced = {}, 0
    for slug in event_slugs:
        place = place_for_location(EVENTS[slug]["location"], places)
        if place is None:
            unplaced += 1
        else:
            found.setdefault(place.slug, []).append(slug)
    return found, unplaced


def test_the_map_shows_one_marker_per_place_of_the_events_shown(site, page, axe_script):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_timeline(page, f"{site.url}/?date_from=2017&date_to=2019")
    shown = slugs(page, "#events-inside li.event") + slugs(page, "#events-beyond li.event")
    places, unplaced = places_of(shown)
    assert len(places) > 1 and unplaced > 1  # the window holds both kinds
    markers = "#map .place-marker"
    assert sorted(
        page.eval_on_selector_all(markers, "ns => ns.map(n => n.dataset.place)")
    ) == sorted(places)
    for place, events in places.items():
        marker = page.locator(f"{markers}[data-place='{place}']")
        assert marker.inner_text() == str(len(events))
        assert marker.get_attribute("role") == "button"
        assert marker.get_attribute("aria-label").endswith(
            f"{len(events)} event{'s' if len(events) > 1 else ''} (opens their list)"
        )
    summary = page.inner_text("#places-summary")
    assert summary == f"{len(places)} places; {unplaced} events have no place."
    # The same places as text beside the map, each with links to its events.
    listed = page.eval_on_selector_all(
        "#places-list li.place", "ns => ns.map(n => n.dataset.place)"
    )
    assert sorted(listed) == sorted(places)
    assert page.locator("#places-list a.place-event").count() == sum(map(len, places.values()))
    # From the keyboard: Enter on a marker opens its events; a link opens the evidence.
    busiest = max(places, key=lambda slug: len(places[slug]))
    page.focus(f"{markers}[data-place='{busiest}']")
    page.keyboard.press("Enter")
    links = page.locator(".leaflet-popup a.place-event")
    links.first.wait_for()
    popup_events = links.evaluate_all("ns => ns.map(n => n.dataset.event)")
    assert sorted(popup_events) == sorted(places[busiest])
    assert axe_violations(page, axe_script) == []  # the popup open, focus in it
    links.first.click()
    page.wait_for_url(re.compile(rf"&event={popup_events[0]}$"))
    assert page.locator("#panel h2").inner_text() == EVENTS[popup_events[0]]["title"]
    # No tiles by default: nothing is fetched from anywhere but the site.
    assert page.locator("#map .leaflet-tile").count() == 0
    assert all(url.startswith(site.url) or url.startswith("data:") for url in requests), requests
    assert any("format=geojson" in url and "date_from=2017" in url for url in requests)
    screenshot(page, "timeline-map")


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


# ---------------------------------------------------------------- evidence: sources and kinds


def kind_of(claim):
    return claim.get("kind", "statement")


def sources_of(event_slug):
    """The event's sources as the page should list them: in order of publication, each with the
    number of the event's claims it holds."""
    held = {}
    for claim in claims_of(event_slug):
        held[claim["source"][0]] = held.get(claim["source"][0], 0) + 1
    return sorted(held.items(), key=lambda item: (SOURCES[item[0]]["published"], item[0]))


def count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def claim_phrase(claims):
    """How an event's card counts its claims: "3 claims (1 report, 2 statements)"."""
    if not claims:
        return "no claims"
    reports = sum(1 for claim in claims if kind_of(claim) == "report")
    statements = len(claims) - reports
    one = "report" if reports else "statement"
    if len(claims) == 1:
        kinds = f"a {one}"
    elif not reports or not statements:
        kinds = f"{'both' if len(claims) == 2 else 'all'} {one}s"
    else:
        kinds = f"{count(reports, 'report')}, {count(statements, 'statement')}"
    return f"{count(len(claims), 'claim')} ({kinds})"


ATTESTED = {slug for slug in EVENTS if any(claim["quote"] for claim in claims_of(slug))}
# The attested event with the most sources, then the most claims: the richest evidence.
RICHEST = max(
    sorted(ATTESTED), key=lambda slug: (len(sources_of(slug)), len(claims_of(slug)), slug)
)
WITH_NOTES = sorted(slug for slug in ATTESTED if any(c["notes"] for c in claims_of(slug)))


def test_every_event_card_says_what_its_evidence_is(site, page):
    open_timeline(page, f"{site.url}/")
    for slug in EVENTS:
        card = page.locator(f"li.event[data-slug='{slug}']")
        meta = card.locator(".meta").inner_text()
        assert meta.endswith(
            f"{claim_phrase(claims_of(slug))} · {count(len(sources_of(slug)), 'source')}"
        )
        flagged = card.locator(".flag.unattested")
        if slug in ATTESTED:
            assert flagged.count() == 0, slug
            assert "unattested" not in card.get_attribute("class")
        else:  # said in words, not by colour alone
            assert flagged.inner_text().startswith("⚠ UNATTESTED"), slug
            assert "no claim quoted from a source" in flagged.inner_text()
    assert page.locator("li.event.unattested").count() == len(EVENTS) - len(ATTESTED)


def test_an_events_sources_in_the_panel(site, page):
    open_timeline(page, f"{site.url}/?event={RICHEST}")
    panel = page.locator("#panel")
    expected = sources_of(RICHEST)
    assert panel.locator(".sources-title").inner_text().lower() == (
        f"reported in {count(len(expected), 'source')}"
    )
    items = panel.locator(".sources li.source-item")
    assert items.evaluate_all("nodes => nodes.map(n => n.dataset.source)") == [
        slug for slug, _ in expected
    ]
    for (slug, held), item in zip(expected, items.all(), strict=True):
        source = SOURCES[slug]
        publisher = ACTORS[source["publisher"][0]]["name"] if source["publisher"] else None
        assert item.locator(".source-title").inner_text() == source["title"]
        assert item.locator(".source-meta").inner_text() == " · ".join(
            part
            for part in [
                publisher,
                f"published {source['published']}",
                f"{count(held, 'claim')} about this event",
            ]
            if part
        )
        # A link to the document only where the record has its address.
        assert item.locator("a").count() == (1 if source["url"] else 0)
    assert panel.locator(".flag.unattested").count() == 0
    screenshot(page, "timeline-sources")


def test_reports_and_statements_told_apart_with_their_notes(site, page):
    event = WITH_NOTES[0]
    open_timeline(page, f"{site.url}/?event={event}")
    panel = page.locator("#panel")
    for claim in claims_of(event):
        card = panel.locator(f"article.claim[data-claim='{claim['slug']}']")
        kind = kind_of(claim)
        assert card.get_attribute("data-kind") == kind
        assert card.locator(".kind").inner_text().lower() == kind  # a word, not a colour
        assert card.locator(".claimant-name").inner_text() == ACTORS[claim["claimant"][0]]["name"]
        assert card.locator(".status").inner_text().lower().endswith(claim["status"])
        notes = card.locator("details.notes")
        if not claim["notes"]:
            assert notes.count() == 0
            continue
        if claim["status"] in ("disputed", "refuted"):
            assert notes.get_attribute("open") is not None
        else:  # closed until asked for
            assert not notes.locator("p").is_visible()
            notes.locator("summary").click()
        assert notes.locator("p").is_visible()
        assert notes.locator("p").inner_text() == claim["notes"]


def doctor(page, change):
    """Serve the page a changed copy of the API's answer, for cases the record may not hold."""

    def handle(route):
        if "format=geojson" in route.request.url:  # the map's places, as they are
            return route.continue_()
        response = route.fetch()
        body = response.json()
        for event in body["results"]:
            change(event)
        route.fulfill(response=response, json=body)

    page.route(re.compile(r"/api/v1/events/\?"), handle)


def test_a_refuted_report_and_an_unattested_event(site, page):
    event = "pushilin-state-tv-interview-2022"  # five claims in the record
    note = "The ministry's website says otherwise; see the corroborated claim."

    def change(e):
        if e["slug"] == event:
            e["claims"][0].update(kind="report", status="refuted", notes=note)
            e["claims"][1].update(kind="statement", status="disputed", notes="")
            e["sources"][0]["url"] = e["claims"][0]["source"]["url"] = "https://example.org/doc"
        elif e["slug"] == "matsegora-izvestia-interview-2022":
            e.update(attested=False, sources=[], claims=[])

    doctor(page, change)
    open_timeline(page, f"{site.url}/?date_from=2022-07&date_to=2022-07&event={event}")
    claims = page.locator("#panel article.claim")
    report, disputed = claims.nth(0), claims.nth(1)
    assert report.locator(".claim-head").inner_text().startswith("REPORT")
    assert report.locator(".kind").text_content() == "Report"
    assert report.locator(".status").inner_text() == "✗ REFUTED"
    assert report.locator("details.notes summary").inner_text() == "Why refuted: curator's notes"
    assert report.locator("details.notes p").is_visible()
    assert report.locator("details.notes p").inner_text() == note
    assert report.locator(".claimant").inner_text().split(" · ")[1].startswith("reported ")
    assert disputed.locator(".kind").text_content() == "Statement"
    assert disputed.locator(".status").inner_text() == "⚠ DISPUTED"
    assert disputed.locator("details.notes").count() == 0
    link = page.locator("#panel .sources a.source-title")
    assert link.get_attribute("href") == "https://example.org/doc"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.inner_text().endswith("(opens in a new tab)")
    screenshot(page, "timeline-refuted-report")

    unattested = "matsegora-izvestia-interview-2022"
    card = page.locator(f"li.event[data-slug='{unattested}']")
    assert card.locator(".meta").inner_text().endswith("no claims · 0 sources")
    assert card.locator(".flag.unattested").is_visible()
    card.locator(".event-open").click()
    assert page.locator("#panel h2").inner_text() == EVENTS[unattested]["title"]
    assert page.locator("#panel .flag.unattested").inner_text().startswith("⚠ UNATTESTED")
    assert page.locator("#panel .claims-title").inner_text().lower() == (
        "no claims recorded about this event"
    )


def test_the_claim_kind_filter(site, page):
    open_timeline(page, f"{site.url}/")
    assert page.input_value("#filter-claim-kind") == ""
    page.select_option("#filter-claim-kind", "report")
    page.wait_for_url(re.compile(r"\?claim_kind=report$"))
    reports = {c["slug"] for c in CLAIMS if c["events"] and kind_of(c) == "report"}
    # Every event stays listed (with its sources); only report claims are embedded.
    page.wait_for_selector(
        f"#summary >> text={count(len(EVENTS), 'event')} with {count(len(reports), 'claim')}."
    )
    assert page.get_attribute("#csv-link", "href") == "/api/v1/events/?format=csv&claim_kind=report"
    page.locator(f"li.event[data-slug='{RICHEST}'] .event-open").click()
    kinds = page.eval_on_selector_all("#panel article.claim", "ns => ns.map(n => n.dataset.kind)")
    assert kinds == ["report"] * sum(1 for c in claims_of(RICHEST) if kind_of(c) == "report")
    assert page.locator("#panel .source-item").count() == len(sources_of(RICHEST))
    page.go_back()
    page.wait_for_selector(f"#summary >> text={count(len(EVENTS), 'event')}")
    assert page.input_value("#filter-claim-kind") == ""


def test_a_bad_claim_kind_is_explained(site, page):
    page.goto(f"{site.url}/?claim_kind=rumour")
    page.wait_for_selector("body[data-state='error']", state="attached")
    assert page.inner_text("#errors").startswith("Claims: Select a valid choice.")
    assert page.input_value("#filter-claim-kind") == ""  # no such option to show


def test_the_page_works_from_the_keyboard(site, page):
    open_timeline(page, f"{site.url}/?date_from=2022-07&date_to=2022-07")
    focused = "() => [document.activeElement.tagName, document.activeElement.textContent]"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["A", "Skip to the events"]
    page.keyboard.press("Enter")
    assert page.evaluate(focused) == ["H2", "Events"]
    page.keyboard.press("Tab")  # the first event's title, a button
    first, second = JULY_INSIDE[:2]
    assert page.evaluate(focused) == ["BUTTON", EVENTS[first]["title"]]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"&event={first}$"))
    # The reader moves with the choice, to the panel's heading, and can come back.
    assert page.evaluate(focused) == ["H2", EVENTS[first]["title"]]
    assert page.locator(f"li.event.selected[data-slug='{first}']").count() == 1
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.className"))
        if stops[-1] == "back":
            break
    assert stops[-1] == "back", stops
    summaries = page.locator("#panel details.notes").count()
    assert stops.count("") == summaries  # each notes' <summary> is a stop on the way
    page.keyboard.press("Enter")
    assert page.evaluate(focused) == ["BUTTON", EVENTS[first]["title"]]
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["BUTTON", EVENTS[second]["title"]]
    page.keyboard.press(" ")
    page.wait_for_url(re.compile(rf"&event={second}$"))
    assert page.locator("#panel h2").inner_text() == EVENTS[second]["title"]
    # The marks on the axis answer Enter too.
    page.focus(f"#axis g.event-mark[data-slug='{first}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"&event={first}$"))
    assert page.evaluate(focused) == ["H2", EVENTS[first]["title"]]


def test_no_console_errors(site, page):
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    open_timeline(page, f"{site.url}/")
    for slug in EVENTS:
        page.locator(f"li.event[data-slug='{slug}'] .event-open").click()
        assert page.locator("#panel h2").inner_text() == EVENTS[slug]["title"]
    page.select_option("#filter-claim-kind", "statement")
    page.wait_for_url(re.compile(r"\?claim_kind=statement"))
    page.wait_for_selector("body[data-state='ready']", state="attached")
    assert problems == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        f"?event={RICHEST}",
        "?date_from=2022-07&date_to=2022-07&claim_kind=statement",
        "?date_from=2022-13",
    ],
    ids=["all", "an-event", "july-statements", "bad-date"],
)
def test_axe_finds_no_accessibility_violation(site, page, axe_script, query):
    open_timeline_or_error(page, f"{site.url}/{query}")
    page.eval_on_selector_all("#panel details", "nodes => nodes.forEach(n => { n.open = true; })")
    assert axe_violations(page, axe_script) == []


def test_axe_on_a_refuted_report_and_an_unattested_event(site, page, axe_script):
    def change(e):
        if e["claims"]:
            e["claims"][0].update(kind="report", status="refuted", notes="Wrong on its face.")
        else:
            e.update(attested=False)

    doctor(page, change)
    open_timeline(page, f"{site.url}/?date_from=2022-07&date_to=2022-07&event={JULY_INSIDE[1]}")
    assert page.locator("#panel .status.refuted").count() == 1
    assert axe_violations(page, axe_script) == []


def open_timeline_or_error(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-state]", state="attached")


def _participants(event_slug):
    return [
        o["fields"]["actor"]
        for o in RECORD
        if o["model"] == "tracker.eventactor" and o["fields"]["event"] == [event_slug]
    ]


def _by_stated(claims):
    return sorted(claims, key=lambda claim: claim["stated"])
