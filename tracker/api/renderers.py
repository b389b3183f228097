"""Renderers: orjson for JSON; CSV, the one dialect every export uses, for flat responses.

JSON: DRF's output, encoded by orjson (several times faster on large pages), the bytes of DRF's
compact ``JSONRenderer`` (UTF-8, no spaces); anything orjson does not know natively (lazy
translations, decimals, ...) goes through DRF's own encoder, and a request for indented output
(``Accept: application/json; indent=4``) is left to DRF.

CSV (RFC 4180): comma-separated, fields quoted when needed, CRLF line ends, UTF-8 without a
byte-order mark, a header row first. ``null`` is an empty cell. Lists and streaming exports are
built in ``tracker.api.exports``; this renderer handles responses that are already lists of flat
objects. Both write through :func:`csv_lines`, which neutralises formula cells (see
:func:`neutralise`): the record holds text copied from documents anyone can write.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from csp.constants import UNSAFE_INLINE
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

if TYPE_CHECKING:
    from _csv import _writer as _Writer

_fallback = JSONEncoder().default


class ORJSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        # DRF's get_indent takes None as well (its stubs say str).
        if self.get_indent(accepted_media_type, renderer_context or {}):  # type: ignore[arg-type]
            indented: bytes = super().render(data, accepted_media_type, renderer_context)
            return indented
        rendered = orjson.dumps(data, default=_fallback)
        # As DRF does: these two are valid JSON but end a line in JavaScript source. Checked
        # only when the body is not ASCII: isascii() reads a word at a time, each search for
        # the separators a byte at a time (0.4 ms each on an events page of 600 kB).
        if not rendered.isascii() and (b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered):
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028")
            rendered = rendered.replace(b"\xe2\x80\xa9", b"\\u2029")
        return rendered


class _Line:
    """A file-like object whose ``write`` hands back the line instead of storing it."""

    def write(self, line: str) -> str:
        return line


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula, made inert: a single quote before it.

    Only text is changed (numbers, such as ids and counts, are never negative here); the
    quoted cell is written between double quotes (see :func:`csv_lines`), as OWASP recommends.
    """
    return "'" + cell


def _is_formula(cell: Any) -> bool:
    return isinstance(cell, str) and cell.startswith(FORMULA_STARTS)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header, then each row, as CSV lines (strings, CRLF-terminated).

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    ``'`` in front and is always quoted; every other cell is written as the csv module does.
    """
    writer = csv.writer(_Line())
    yield _line(writer, header)
    for row in rows:
        yield _line(writer, row)


def _line(writer: _Writer, row: Sequence[Any]) -> str:
    if not any(_is_formula(cell) for cell in row):  # the common case: one call for the row
        line: str = writer.writerow(row)  # what _Line.write hands back
        return line
    return ",".join(_cell(writer, cell) for cell in row) + "\r\n"


def _cell(writer: _Writer, cell: Any) -> str:
    if _is_formula(cell):
        return '"' + neutralise(cell).replace('"', '""') + '"'
    if cell is None or cell == "":
        return ""  # the csv module writes a row of one empty cell as "", not as nothing
    line: str = writer.writerow([cell])
    return line[:-2]


class CSVRenderer(renderers.BaseRenderer):
    """``text/csv`` for a response whose data is a list of flat objects (``?format=csv`` or
    ``Accept: text/csv``). The header comes from the view's ``get_csv_header()`` (so an empty
    result still names its columns), else from the first object's keys."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        view = (renderer_context or {}).get("view")
        header = getattr(view, "get_csv_header", lambda: None)()
        if header is None:
            header = list(rows[0]) if rows else []
        lines = csv_lines(header, ([row.get(name) for name in header] for row in rows))
        return "".join(lines).encode(self.charset)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for people. They style themselves with a few inline ``style`` attributes
    and, when Pygments is installed, an inline ``<style>`` for highlighting: the
    Content-Security-Policy of these pages (django-csp, config/settings.py) allows inline styles,
    and nothing else more than every other page (scripts stay this site's files only)."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        page: bytes = super().render(data, accepted_media_type, renderer_context)
        return page
