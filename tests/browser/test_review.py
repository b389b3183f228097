"""The review workflow in a real browser: one curator writes a claim in the admin and submits
it; publishing it themselves is refused; a second curator, a reviewer, finds it in the review
queue, sees what it holds and approves it. An anonymous reader of the API sees nothing of the
claim until then."""

import json
import urllib.request

from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PASSWORD = "a-long-enough-passphrase"
WORD = "Quetzalcoatlian"  # in no seed claim: a search for it finds the new claim only
SLUG = "matsegora-browser-review-claim"


def log_in(page, site, username: str) -> None:
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()


def anonymous_count(site) -> int:
    """How many claims an anonymous reader of the API finds by the claim's word."""
    with urllib.request.urlopen(f"{site.url}/api/v1/claims/?q={WORD}", timeout=10) as response:
        return json.load(response)["count"]


def act(page, action: str, rationale: str = "") -> None:
    """Select the claim in the list and run a review action on it."""
    page.goto(f"{page.url.split('/admin/')[0]}/admin/tracker/claim/?q={SLUG}")
    row = page.locator("#result_list tbody tr", has_text=SLUG)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    if rationale:
        page.fill("input[name=rationale]", rationale)
    page.click("button[name=index]")


def test_two_curators_take_a_claim_from_draft_to_published(site, chromium):
    site.manage("curator", "ada", "--password-stdin", "--reviewer", stdin=f"{PASSWORD}\n")
    site.manage("curator", "bea", "--password-stdin", "--reviewer", stdin=f"{PASSWORD}\n")
    author = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reviewer = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    for page in (author, reviewer):
        page.set_default_timeout(10_000)
    assert anonymous_count(site) == 0

    # Ada writes the claim: a draft.
    log_in(author, site, "ada")
    author.goto(f"{site.url}/admin/tracker/claim/add/")
    author.fill("#id_slug", SLUG)
    author.fill("#id_text", f"Trade with China outpaces Russia's, a {WORD} remark.")
    author.fill("#id_quote", "That is why, we are still losing here to Chinese partners.")
    author.click(".field-claimant .select2-selection")
    author.fill(".select2-search--dropdown .select2-search__field", "Matsegora")
    author.click(".select2-results__option:has-text('Alexander Matsegora')")
    author.click(".field-source .select2-selection")
    author.fill(".select2-search--dropdown .select2-search__field", "second to China")
    author.click(".select2-results__option:has-text('second to China')")
    author.fill("#id_stated", "2020-02-07")
    author.click("input[name=_save]")
    expect(author.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(author.locator("#result_list tr", has_text=SLUG)).to_contain_text("draft")
    assert anonymous_count(site) == 0

    # She submits it, then tries to publish her own edit: refused, naming the rule.
    act(author, "submit")
    expect(author.locator(".messagelist .success")).to_contain_text("now in review")
    act(author, "approve")
    expect(author.locator(".messagelist .error")).to_contain_text("another curator must publish")
    screenshot(author, "review-own-edit-refused")
    assert anonymous_count(site) == 0

    # Bea finds it in the review queue, reads what it holds, and approves it.
    log_in(reviewer, site, "bea")
    reviewer.goto(f"{site.url}/admin/tracker/claim/review/")
    queued = reviewer.locator(".review-queue li", has_text=SLUG)
    expect(queued).to_contain_text("last edited by ada")
    expect(queued).to_contain_text("never published")
    queued.locator("a").click()
    expect(reviewer.locator(".field-changes_since_published")).to_contain_text("Never published")
    expect(reviewer.locator(".field-state")).to_contain_text("in review")
    screenshot(reviewer, "review-page")
    act(reviewer, "approve")
    expect(reviewer.locator(".messagelist .success")).to_contain_text("now published")
    assert anonymous_count(site) == 1

    # Nothing waits any more.
    reviewer.goto(f"{site.url}/admin/tracker/claim/review/")
    expect(reviewer.locator(".review-queue")).to_contain_text("Nothing waits for review.")
