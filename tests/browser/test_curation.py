"""A curator's first session in a real browser: log in, paste a source, mark a claim whose quote
is not in the text and see it refused, fix it, save, find the source listed, see the quote
highlighted in its text."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PASSWORD = "a-long-enough-passphrase"
TEXT = (
    "PYONGYANG, May 2 (Test). North Korea's foreign minister said on Tuesday that the talks "
    "with Moscow were \u201cfrank and useful\u201d and that trade would grow this year.\n\n"
    "He gave no figures."
)


def test_a_curator_adds_a_source_and_marks_a_claim(site, page):
    site.manage("curator", "ada", "--password-stdin", stdin=f"{PASSWORD}\n")

    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()

    page.goto(f"{site.url}/admin/tracker/source/add/")
    page.locator("#id_title").press_sequentially("Minister calls talks frank and useful")
    expect(page.locator("#id_slug")).to_have_value("minister-calls-talks-frank-and-useful")
    page.fill("#id_published", "2023-05-02")
    page.fill("#id_text", TEXT)

    # Mark a claim inline: the claimant by autocomplete, and a quote that is not in the text.
    page.click("#claims-group .add-row a")
    page.click("#claims-0 .field-claimant .select2-selection")
    page.fill(".select2-search--dropdown .select2-search__field", "Ri Son")
    page.click(".select2-results__option:has-text('Ri Son-gwon')")
    page.fill("#id_claims-0-quote", "the talks with Moscow were a great success")
    page.fill("#id_claims-0-text", "The talks with Moscow went well.")
    page.fill("#id_claims-0-stated", "2023-05-02")
    page.click("input[name=_save]")

    error = page.locator("#claims-0 .errorlist")
    expect(error).to_contain_text("This quote does not appear in the text of the source")
    expect(page.locator("#claims-0 .field-claimant")).to_contain_text("Ri Son-gwon")
    error.scroll_into_view_if_needed()
    screenshot(page, "curation-quote-refused")

    # Fix the quote: copied from the text with plain quotation marks, which still matches.
    page.fill("#id_claims-0-quote", 'the talks with Moscow were "frank and useful"')
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text("Minister calls talks frank and useful")

    page.click("#result_list >> text=Minister calls talks frank and useful")
    mark = page.locator(".source-text mark.quote")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text("the talks with Moscow were \u201cfrank and useful\u201d")
    expect(mark).to_have_attribute("title", re.compile(r"^ri-son-gwon-.* \(unverified\)$"))
    background = mark.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == "rgb(255, 224, 102)"
    mark.scroll_into_view_if_needed()
    assert screenshot(page, "curation-source-highlighted").stat().st_size > 20_000
