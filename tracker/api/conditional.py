"""Entity tags for API representations: one function, shared by conditional reads and writes.

A detail's ETag is a hash of its JSON representation, so it changes whenever anything the
client sees changes (an embedded claim included). Writes compare ``If-Match`` against the ETag
of the current representation; reads compare ``If-None-Match`` against it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest
from django.utils.http import parse_etags
from rest_framework.exceptions import APIException


def etag_for(representation: Any, origin: str = "") -> str:
    """A strong ETag (quoted) for a JSON-serializable representation.

    ``origin`` (``request_origin(request)``) is the scheme and host the representation's own
    addresses were built with: they are hashed without it, so the same record has the same ETag
    whichever of the ``ALLOWED_HOSTS`` a client used (behind a proxy, a curator who reads at
    one name and writes at another is not refused with a 412). Addresses elsewhere (a source's
    ``document_url`` on another site) are hashed whole.
    """
    if origin:
        representation = _relative(representation, origin + "/")
    canonical = json.dumps(
        representation, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def request_origin(request: HttpRequest) -> str:
    """``scheme://host[:port]`` of a request, as ``build_absolute_uri`` writes it."""
    return f"{request.scheme}://{request.get_host()}"


def _relative(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return value[len(prefix) - 1 :] if value.startswith(prefix) else value
    if isinstance(value, dict):
        return {key: _relative(item, prefix) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_relative(item, prefix) for item in value]
    return value


class PreconditionRequired(APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = (
        "This request must carry an If-Match header with the record's current ETag "
        "(from a GET of it), so that it cannot overwrite a change it has not seen."
    )


class PreconditionFailed(APIException):
    status_code = 412
    default_code = "precondition_failed"
    default_detail = (
        "The record has changed since the ETag in If-Match: nothing was written. "
        "GET it again, reapply your change and send it with the new ETag."
    )

    def __init__(self, current: str):
        super().__init__()
        self.current = current  # sent back in the 412's ETag header


def check_if_match(request: HttpRequest, current: str) -> None:
    """Let a write through only if ``If-Match`` names ``current``, the record's ETag now.

    RFC 9110 §13.1.1: ``*`` matches any current representation; a list matches if any tag in it
    does; comparison is strong, so a weak tag (``W/"..."``) never matches. No header at all is a
    428 (RFC 6585): writes here must say which version they change.
    """
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired()
    tags = parse_etags(header)
    if tags == ["*"] or current in tags:  # a weak tag keeps its W/ prefix, so never equals
        return
    raise PreconditionFailed(current)
