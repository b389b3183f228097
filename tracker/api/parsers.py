"""Request body parsers: JSON whose nesting is bounded before it is decoded.

The standard library's decoder recurses once per level of nesting: a write of 2 KB of ``[``
used to raise ``RecursionError`` (a 500). No write of this API nests deeper than a few levels
(a claim's relations are objects in a list), so a body nested deeper than
``settings.MAX_JSON_DEPTH`` is refused with a 400 that says so, before it is decoded.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A JSON string (escapes included): brackets inside one are text, not nesting.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OPENING = frozenset(b"[{")


def nesting_depth(body: bytes, limit: int) -> int:
    """How deep ``body``'s arrays and objects nest, counted up to ``limit + 1``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return 0  # too few brackets to nest that deep: the usual write costs two counts
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", body)):
        if bracket[0] in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing excessive nesting with a 400 instead of recursing into it."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = stream.read() if stream is not None else b""
        limit = settings.MAX_JSON_DEPTH
        if nesting_depth(body, limit) > limit:
            raise ParseError(
                f"JSON parse error - the body nests arrays and objects more than {limit} "
                "levels deep."
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # the limit is set above what the decoder can recurse into
            raise ParseError("JSON parse error - the body nests too deeply.") from None
