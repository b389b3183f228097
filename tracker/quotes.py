"""Quotes as provenance: folding text for comparison and finding a quote in its source.

A quote matches when it stands in the source text after both are folded: runs of whitespace
become one space and typographic quotation marks become their ASCII forms. Everything else,
case included, must be exactly as captured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_MARKS = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """The comparable form of a text: typographic quotes as ASCII, whitespace runs as one space."""
    return _WHITESPACE.sub(" ", text.translate(_QUOTE_MARKS)).strip()


@dataclass(frozen=True)
class Match:
    start: int  # offsets into the original, unfolded text: text[start:end] is the quote
    end: int


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and map each folded character back to its offset in the original.

    Run by run, not character by character: a 1 MB text is folded in tens of milliseconds.
    """
    translated = text.translate(_QUOTE_MARKS)  # one character for one: offsets unchanged
    offsets: list[int] = []
    position = 0
    for run in _WHITESPACE.finditer(translated):
        offsets.extend(range(position, run.start()))
        if offsets and run.end() < len(translated):  # leading and trailing runs are dropped
            offsets.append(run.start())
        position = run.end()
    offsets.extend(range(position, len(translated)))
    return _WHITESPACE.sub(" ", translated).strip(), offsets


def locate(quote: str, text: str) -> Match | None:
    """Where ``quote`` stands in ``text`` (first occurrence), or None if it does not."""
    return Locator(text).locate(quote)


class Locator:
    """One text folded once, to locate many quotes in it (a bulk load marks dozens per source)."""

    def __init__(self, text: str):
        self.haystack, self.offsets = _fold_with_offsets(text)
        self._found: dict[str, Match | None] = {}  # a write checks, then places, each quote

    def locate(self, quote: str) -> Match | None:
        if quote not in self._found:
            self._found[quote] = self._search(quote)
        return self._found[quote]

    def _search(self, quote: str) -> Match | None:
        needle = fold(quote)
        if not needle:
            return None
        position = self.haystack.find(needle)
        if position < 0:
            return None
        return Match(start=self.offsets[position], end=self.offsets[position + len(needle) - 1] + 1)


def segments(length: int, spans: list[tuple[int, int]]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Cut ``[0, length)`` at every span's ends, for highlighting quotes that may overlap.

    Each piece is ``(start, end, covering)``: ``covering`` holds the indexes of the spans that
    cover it (empty for plain text).
    """
    ends = {point for span in spans for point in span if 0 < point < length}
    cuts = sorted({0, length} | ends)
    # One sweep over the cuts: spans open at their start and close at their end, so a long
    # text with hundreds of quotes costs (cuts + spans) · log, not cuts × spans.
    opening: dict[int, list[int]] = {}
    closing: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(spans):
        if start < end:
            opening.setdefault(max(start, 0), []).append(index)
            closing.setdefault(end, []).append(index)
    active: set[int] = set()
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active.difference_update(closing.get(a, ()))
        active.update(opening.get(a, ()))
        if a < b:
            covering = tuple(sorted(i for i in active if spans[i][1] >= b))
            pieces.append((a, b, covering))
    return pieces
