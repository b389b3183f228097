"""The curator's workbench in a real browser: select a sentence with the mouse and save it as a
claim, see it highlighted, accept one suggestion and reject another; the database holds the
claims at the exact offsets selected, with their history."""

import json

from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PASSWORD = "a-long-enough-passphrase"
# A copy of a seed document with no claim marked yet: the seed record itself claims nearly every
# sentence of its documents, which would leave little to suggest.
SEED = "tass-2017-02-03-timonin-seoul"
SLUG = "timonin-seoul-unmarked-copy"
COPY = (
    "from tracker import services; from tracker.models import Source; "
    f"seed = Source.objects.get(slug='{SEED}'); "
    f"services.source_create(slug='{SLUG}', title='Unmarked copy: ' + seed.title, "
    "published=seed.published, text=seed.text, publisher=seed.publisher)"
)
SENTENCE = (
    "The UN Security Council toughened sanctions against North Korea twice last year in response "
    "to Pyongyang\u2019s nuclear test and the launch of a carrier rocket."
)

# Where a character of the source's text is drawn: found from the pieces' data-start offsets.
CHAR_BOX = """([offset, last]) => {
  const pieces = Array.from(document.querySelectorAll('#source-text [data-start]'));
  const piece = pieces.filter(p => Number(p.dataset.start) <= offset).pop();
  const range = document.createRange();
  const at = offset - Number(piece.dataset.start);
  range.setStart(piece.firstChild, at);
  range.setEnd(piece.firstChild, at + 1);
  const box = range.getBoundingClientRect();
  return {x: last ? box.right - 1 : box.left + 1, y: box.top + box.height / 2};
}"""


def state(site) -> dict:
    script = (
        "import json; from tracker.models import Claim, RejectedSuggestion as R; "
        f"cs = Claim.objects.filter(source__slug='{SLUG}').order_by('pk'); "
        "print(json.dumps({'claims': [{'id': c.pk, 'quote': c.quote, 'start': c.quote_start, "
        "'end': c.quote_end, 'kind': c.kind, 'claimant': c.claimant.slug, "
        "'history': [[h.history_type, h.history_user.username if h.history_user else None] "
        "for h in c.history.all()]} for c in cs], "
        "'rejected': [[r.start, r.end, r.by.username] for r in R.objects.all()]}))"
    )
    return json.loads(site.manage("shell", "-c", script).strip().splitlines()[-1])


def test_a_curator_marks_claims_on_the_annotate_page(site, page):
    site.manage("curator", "wren", "--password-stdin", stdin=f"{PASSWORD}\n")
    site.manage("shell", "-c", COPY)
    before = state(site)
    known = {claim["id"] for claim in before["claims"]}
    source_id = json.loads(
        site.manage(
            "shell",
            "-c",
            f"from tracker.models import Source; print(Source.objects.get(slug='{SLUG}').pk)",
        )
        .strip()
        .splitlines()[-1]
    )

    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", "wren")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()

    # From the source's page, its Annotate button.
    page.goto(f"{site.url}/admin/tracker/source/{source_id}/change/")
    page.click("a.annotatelink")
    expect(page).to_have_url(f"{site.url}/admin/tracker/source/{source_id}/annotate/")
    expect(page.locator("#source-text")).to_be_visible()
    data = json.loads(page.locator("#workbench-data").text_content())
    text = page.locator("#source-text").text_content()
    start = text.index(SENTENCE)
    end = start + len(SENTENCE)
    offered = len(data["suggestions"])
    assert offered >= 2

    # Select the sentence with the mouse, from its first character to its last.
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.evaluate(
        CHAR_BOX.replace("const range", "piece.scrollIntoView({block: 'center'}); const range"),
        [start, False],
    )
    first = page.evaluate(CHAR_BOX, [start, False])
    last = page.evaluate(CHAR_BOX, [end - 1, True])
    page.mouse.move(first["x"], first["y"])
    page.mouse.down()
    page.mouse.move(last["x"], last["y"], steps=8)
    page.mouse.up()
    assert errors == []
    expect(page.locator("#claim-form-section")).to_be_visible()
    expect(page.locator("#form-quote")).to_have_text(SENTENCE)
    expect(page.locator("#form-offsets")).to_have_text(f"[{start}\u2013{end}]")
    expect(page.locator("#claim-stated")).to_have_value("2017-02-03")

    page.locator("#claim-claimant").press_sequentially("TASS")
    page.click("#claimant-options li:has-text('TASS')")
    page.select_option("#claim-kind", "report")
    page.fill("#claim-text", "The UN Security Council toughened sanctions twice in 2016.")
    screenshot(page, "workbench-selection-form")
    page.click("#claim-save")
    expect(page.locator("#workbench-status")).to_contain_text("Saved claim")
    mark = page.locator(f'#source-text mark.quote[data-start="{start}"]')
    expect(mark).to_have_text(SENTENCE)
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 224, 102)"

    # Accept a suggestion with the keyboard: next (j), accept (a), save (Ctrl+Enter).
    page.locator("#source-text").focus()
    page.keyboard.press("j")
    expect(page.locator("#suggestion-list li.current")).to_have_count(1)
    accepted = json.loads(page.locator("#workbench-data").text_content())  # the page's first data
    page.keyboard.press("a")
    expect(page.locator("#claim-form-section")).to_be_visible()
    quote = page.locator("#form-quote").text_content()
    guessed = page.locator("#claim-claimant").input_value()
    assert guessed  # the suggestion's claimant, prefilled
    page.keyboard.press("Control+Enter")
    expect(page.locator("#workbench-status")).to_contain_text("Saved claim")

    # Reject another suggestion with its button.
    remaining = page.locator("#suggestion-list li")
    expect(remaining).to_have_count(offered - 1)
    rejected_quote = remaining.first.locator("q").text_content()
    remaining.first.locator("button.reject").click()
    expect(page.locator("#workbench-status")).to_contain_text("rejected")
    expect(page.locator("#suggestion-list li")).to_have_count(offered - 2)
    screenshot(page, "workbench-after")

    # Reloaded, the page shows both claims and no longer offers the rejected suggestion.
    page.reload()
    expect(page.locator(f'#source-text mark.quote[data-start="{start}"]')).to_have_count(1)
    expect(page.locator("#suggestion-list li")).to_have_count(offered - 2)
    # (Suggestions may overlap: another may begin with the same words, so compare whole quotes.)
    assert rejected_quote not in page.locator("#suggestion-list li q").all_text_contents()

    after = state(site)
    new = [claim for claim in after["claims"] if claim["id"] not in known]
    assert len(new) == 2
    selected, suggested = new
    assert selected == {
        "id": selected["id"],
        "quote": SENTENCE,
        "start": start,
        "end": end,
        "kind": "report",
        "claimant": "tass",
        "history": [["+", "wren"]],
    }
    assert suggested["quote"] == quote
    assert text[suggested["start"] : suggested["end"]] == quote
    assert suggested["history"] == [["+", "wren"]]
    assert suggested["kind"] == "statement"
    assert len(after["rejected"]) == 1 and after["rejected"][0][2] == "wren"
    assert accepted["suggestions"]
