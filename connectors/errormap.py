"""How failures become errors of :mod:`connectors.errors`: HTTP statuses, transport exceptions,
``Retry-After`` and FastAPI-style 422 bodies. Only labels and field names leave this module, never
values: see the rules in ``connectors.errors``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypedDict

import aiohttp
import httpx

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectorError,
    FatalError,
    InvalidRequest,
    NotFound,
    RateLimited,
    UpstreamUnavailable,
)

_FIELD_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")


class Labels(TypedDict):
    system: str
    method: str
    path: str


@dataclass(frozen=True)
class Call:
    """What an error may say about a request: never its values."""

    system: str
    method: str
    path: str

    def labels(self) -> Labels:
        return {"system": self.system, "method": self.method, "path": self.path}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def transport_error(
    call: Call, exc: httpx.RequestError | aiohttp.ClientError, idempotent: bool
) -> ConnectorError:
    cause = exc.__cause__ if isinstance(exc, httpx.RequestError) else exc
    kind = type(cause).__name__ if isinstance(cause, aiohttp.ClientError) else type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return FatalError(f"request could not be built ({kind})", **call.labels())
    if _nothing_sent(exc):
        return UpstreamUnavailable(f"could not connect ({kind})", **call.labels())
    if idempotent:
        return UpstreamUnavailable(f"no usable response ({kind})", **call.labels())
    return AmbiguousWriteError(f"sent, then no usable response ({kind})", **call.labels())


def _nothing_sent(exc: httpx.RequestError | aiohttp.ClientError) -> bool:
    """True only when the request certainly never reached the server."""
    cause = exc.__cause__ if isinstance(exc, httpx.RequestError) else exc
    if isinstance(cause, aiohttp.ClientError):
        # httpx-aiohttp maps every aiohttp ClientConnectionError, including a server that hung up
        # after reading the request, to httpx.ConnectTimeout: judge by the aiohttp original.
        return isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    return isinstance(
        exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError
    )


def status_error(call: Call, response: httpx.Response, idempotent: bool) -> ConnectorError:
    status = response.status_code
    labels = call.labels()
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited("rate limited", retry_after=retry_after, **labels, status=status)
    if status == 408:  # the server says it did not receive the whole request: nothing applied
        return UpstreamUnavailable("request timeout", **labels, status=status)
    if status >= 500:
        if idempotent:
            return UpstreamUnavailable("server error", **labels, status=status)
        return AmbiguousWriteError("server error after sending", **labels, status=status)
    if status in (401, 403):
        return AuthError("not authorised", **labels, status=status)
    if status == 404:
        return NotFound("not found", **labels, status=status)
    if 400 <= status < 500:
        return InvalidRequest("rejected", fields=_invalid_fields(response), **labels, status=status)
    return FatalError("unexpected status", **labels, status=status)


def _invalid_fields(response: httpx.Response) -> list[str]:
    """Field paths from a FastAPI-style ``{"detail": [{"loc": [...]}]}`` body; nothing else."""
    try:
        body = response.json()
    except ValueError:
        return []
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        return []
    return field_names(item["loc"] for item in detail if isinstance(item, dict) and "loc" in item)


def field_names(locs: Any) -> list[str]:
    names: list[str] = []
    for loc in locs:
        parts = [_field_part(p) for p in (loc if isinstance(loc, list | tuple) else [loc])]
        if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
            parts = parts[1:]
        name = ".".join(parts)
        if name and name not in names:
            names.append(name)
    return names


def _field_part(part: object) -> str:
    # A location part is a field name or a list index; anything else may be data: hide it.
    if isinstance(part, int) and not isinstance(part, bool) and 0 <= part < 100_000:
        return str(part)
    if isinstance(part, str) and _FIELD_PART.fullmatch(part):
        return part
    return "?"
