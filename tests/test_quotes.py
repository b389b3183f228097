"""Folding and locating quotes in a source's text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import quotes

TEXT = ' date 2020-02-07 MOSCOW.\n\n"Regrettably, we have  to admit," he said. \u201cThe number one\nbarrier\u201d is \u2018theirs\u2019.'


@pytest.mark.parametrize(
    "quote",
    [
        '"Regrettably, we have to admit,"',
        "Regrettably, we have to admit",
        '"The number one barrier"',
        "\u201cThe number one barrier\u201d",
        "'theirs'",
        "  we have\tto  admit ",
    ],
)
def test_locate_finds_the_quote_and_its_offsets(quote):
    match = quotes.locate(quote, TEXT)
    assert match is not None
    assert quotes.fold(TEXT[match.start : match.end]) == quotes.fold(quote).strip()


def test_offsets_point_into_the_original_text():
    match = quotes.locate("we have to admit", TEXT)
    assert TEXT[match.start : match.end] == "we have  to admit"
    match = quotes.locate('"The number one barrier"', TEXT)
    assert TEXT[match.start : match.end] == "\u201cThe number one\nbarrier\u201d"


@pytest.mark.parametrize("quote", ["regrettably", "we had to admit", "", "   ", "MOSCOW, Russia"])
def test_locate_refuses_what_is_not_in_the_text(quote):
    assert quotes.locate(quote, TEXT) is None


def test_fold():
    assert quotes.fold("  \u201cA\u201d\n\n\u2018b\u2019\t c ") == "\"A\" 'b' c"


def _fold_char_by_char(text: str) -> tuple[str, list[int]]:
    """The reference: one character at a time, as the locator once did (less the trailing space
    it kept, which no stripped quote ends in)."""
    translated = text.translate(quotes._QUOTE_MARKS)
    folded, offsets, previous_space = [], [], True
    for index, char in enumerate(translated):
        if char.isspace():
            if not previous_space:
                folded.append(" ")
                offsets.append(index)
            previous_space = True
        else:
            folded.append(char)
            offsets.append(index)
            previous_space = False
    if folded and folded[-1] == " ":
        folded.pop()
        offsets.pop()
    return "".join(folded), offsets


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\u00a0\u201c\u2019\u3000.")), max_size=40))
def test_folding_run_by_run_maps_offsets_as_char_by_char(text):
    assert quotes._fold_with_offsets(text) == _fold_char_by_char(text)
    assert quotes._fold_with_offsets(text)[0] == quotes.fold(text)
