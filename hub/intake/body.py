"""Bounds on a pushed body: media type, size, JSON, Unicode and nesting depth.

Each check answers the client with a 4xx it can act on instead of a 500 it would retry forever.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request


class BodyRejected(ValueError):
    """``status`` and ``answer`` go to the client; ``keep`` says whether the body is held."""

    def __init__(self, status: int, answer: str, detail: str, keep: bool) -> None:
        super().__init__(detail)
        self.status, self.answer, self.detail, self.keep = status, answer, detail, keep


def check_content_type(content_type: str | None) -> None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/")
                                            and media.endswith("+json")):
        raise BodyRejected(415, "send the event as Content-Type: application/json",
                           "not application/json", keep=False)


async def read_bounded(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it is known to exceed ``limit`` (never read whole)."""
    too_large = BodyRejected(413, f"body larger than {limit} bytes",
                             f"body larger than {limit} bytes", keep=False)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _depth_exceeds(text: str, limit: int) -> bool:
    """Bracket depth outside strings, without recursion (json.loads recurses on nesting)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON does not


def parse_body(body: bytes, max_depth: int) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyRejected(400, "body is not valid UTF-8; kept in quarantine",
                           "body is not valid UTF-8", keep=True) from None
    if _depth_exceeds(text, max_depth):
        raise BodyRejected(422, f"JSON nested deeper than {max_depth}; kept in quarantine",
                           f"JSON nested deeper than {max_depth}", keep=True)
    try:
        payload = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BodyRejected(422, "body is not JSON; kept in quarantine for replay",
                           "body is not JSON", keep=True) from None
    if _has_lone_surrogate(payload):
        raise BodyRejected(400, "body holds invalid Unicode (a lone surrogate); kept in "
                                "quarantine", "invalid Unicode (lone surrogate)", keep=True)
    return payload
