"""Entity tags for API representations: one function, shared by conditional reads and writes.

A detail's ETag is a hash of its JSON representation, so it changes whenever anything the
client sees changes (an embedded claim included). Writes compare ``If-Match`` against the ETag
of the current representation; reads compare ``If-None-Match`` against it.
"""

from __future__ import annotations

import hashlib
import json


def etag_for(representation) -> str:
    """A strong ETag (quoted) for a JSON-serializable representation."""
    canonical = json.dumps(
        representation, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'
