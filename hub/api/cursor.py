"""Opaque paging cursors, bound to the query and role they were issued for.

A cursor is a position (the ledger id to continue below) plus a fingerprint of the filters and
role, so a cursor from another query or another key is refused instead of paging the wrong list.
Ledger ids never change, so a cursor stays valid while tickets arrive; new ones appear on page 1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

VERSION = 1
MAX_POSITION = 2**63 - 1  # ledger ids are signed 64-bit integers; beyond that no row exists


class CursorError(ValueError):
    """The cursor cannot be used; the message says why (safe to show to the caller)."""


def fingerprint(*parts: object) -> str:
    raw = json.dumps([str(p) for p in parts], sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode(before_id: int, query: str) -> str:
    body = json.dumps({"v": VERSION, "b": before_id, "q": query}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(cursor: str, query: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise CursorError("cursor is garbled; start again without a cursor") from None
    position = data.get("b") if isinstance(data, dict) else None
    if not isinstance(position, int) or not 1 <= position <= MAX_POSITION:
        raise CursorError("cursor is garbled; start again without a cursor")
    if data.get("v") != VERSION:
        raise CursorError("cursor is from an older version of this API; start again")
    if data.get("q") != query:
        raise CursorError("cursor was issued for a different query or key; start again "
                          "without a cursor, or repeat the same filters")
    return int(data["b"])
