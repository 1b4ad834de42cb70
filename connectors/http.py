"""The shared HTTP base of every connector: one ``httpx.AsyncClient``, error mapping, retries.

A subclass names its ``system`` and calls :meth:`BaseClient.call` with a path *template*, whether
the request is idempotent, and a ``parse`` function that turns the 2xx response into a model.
Everything that can go wrong comes out as an error of :mod:`connectors.errors`.

Retries (tenacity) cover only transient failures, and only where repeating the request cannot
create a second copy of something: an idempotent call is retried after a timeout, 5xx, dropped
connection or malformed body; a non-idempotent one only after 429 or a failure to connect (nothing
was sent). Anything else that happens after a non-idempotent request may have reached the server
becomes :class:`~connectors.errors.AmbiguousWriteError`.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, ClassVar, Literal, Self, TypedDict, TypeVar
from urllib.parse import quote

import aiohttp
import anyio
import httpx
import structlog
from httpx_aiohttp import AiohttpTransport
from pydantic import BaseModel, SecretStr, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectorError,
    FatalError,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    UpstreamUnavailable,
)

TransportChoice = Literal["aiohttp", "httpx"]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_log = structlog.get_logger(__name__)
_USER_AGENT = "lapor-hub/0.1"
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


class BadShape(Exception):
    """Raised by parse functions; ``fields`` are locations only, never values."""

    def __init__(self, reason: str = "unexpected body shape", fields: list[str] | None = None):
        self.reason = reason
        self.fields = fields or []
        super().__init__(reason)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or :class:`BadShape` when it is not JSON."""
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError; both carry the body: drop them
        raise BadShape("body is not JSON") from None


def validate(model: type[M], data: Any) -> M:
    """``model`` validated from ``data``, or :class:`BadShape` naming the failing fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # ValidationError's text quotes the input: keep only the locations.
        raise BadShape(fields=_field_names(err["loc"] for err in exc.errors())) from None


def model_parser(model: type[M]) -> Callable[[httpx.Response, Call], M]:
    """A ``parse`` function for :meth:`BaseClient.call` that validates the body as ``model``."""

    def parse(response: httpx.Response, call: Call) -> M:
        return validate(model, json_body(response))

    return parse


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


class BaseClient:
    """An async context manager around one ``httpx.AsyncClient`` for one external system.

    ``transport`` is ``"aiohttp"`` (default: httpx's own async transport measured ~5x slower
    here), ``"httpx"``, or a ready ``httpx.AsyncBaseTransport`` (``MockTransport``,
    ``ASGITransport``) for tests. ``sleep`` replaces the wait between retries (tests);
    ``max_retry_after_s`` (default ``backoff_max_s``) is the longest ``Retry-After`` waited for
    inline: a longer one is raised as ``RateLimited`` for the caller to reschedule.
    """

    system: ClassVar[str] = "http"

    def __init__(
        self,
        base_url: str,
        token: SecretStr | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 5,
        backoff_base_s: float = 0.2,
        backoff_max_s: float = 10.0,
        concurrency: int = 32,
        transport: TransportChoice | httpx.AsyncBaseTransport | None = "aiohttp",
        *,
        sleep: Sleep | None = None,
        max_retry_after_s: float | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._max_attempts = max_attempts
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._max_retry_after_s = backoff_max_s if max_retry_after_s is None else max_retry_after_s
        self._sleep: Sleep = sleep or anyio.sleep
        headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        chosen: httpx.AsyncBaseTransport | None
        if transport is None or transport == "aiohttp":
            chosen = AiohttpTransport(limits=limits)
        elif transport == "httpx":
            chosen = None  # httpx builds its own pool from ``limits``
        else:
            chosen = transport
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            limits=limits,
            transport=chosen,
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[httpx.Response, Call], T],
        idempotent: bool,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str | int | None] | None = None,
        json: Any = None,
    ) -> T:
        """Send ``method path`` (a template filled from ``path_params``), retrying per policy."""
        call = Call(self.system, method, path)
        url = path.format_map({k: quote(v, safe="") for k, v in (path_params or {}).items()})
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: self._should_retry(exc, idempotent)),
            before_sleep=lambda state: self._log_retry(call, state),
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(call, url, query, json, idempotent, parse)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _attempt(
        self,
        call: Call,
        url: str,
        query: dict[str, str],
        body: Any,
        idempotent: bool,
        parse: Callable[[httpx.Response, Call], T],
    ) -> T:
        try:
            response = await self._client.request(call.method, url, params=query, json=body)
        except (httpx.RequestError, aiohttp.ClientError) as exc:
            raise _transport_error(call, exc, idempotent) from exc
        if response.is_success:
            try:
                return parse(response, call)
            except BadShape as exc:
                if not idempotent:
                    # The write happened but its result is unreadable: only a lookup can tell.
                    raise AmbiguousWriteError(
                        "2xx response body unreadable", status=response.status_code, **call.labels()
                    ) from None
                raise MalformedResponse(
                    _shape_reason(exc), status=response.status_code, **call.labels()
                ) from None
        raise _status_error(call, response, idempotent)

    def _should_retry(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, RateLimited):
            return exc.retry_after is None or exc.retry_after <= self._max_retry_after_s
        if not idempotent:
            # Only raised for a non-idempotent call when the request never left this process.
            return isinstance(exc, UpstreamUnavailable)
        return isinstance(exc, UpstreamUnavailable | MalformedResponse)

    def _wait(self, state: RetryCallState) -> float:
        exponent = min(state.attempt_number - 1, 30)
        ceiling = min(self._backoff_max_s, self._backoff_base_s * 2**exponent)
        # Equal jitter: never below half the ceiling, so a herd spreads out but still backs off.
        delay = random.uniform(ceiling / 2, ceiling)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay

    def _log_retry(self, call: Call, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        _log.warning(
            "http.retry",
            **call.labels(),
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
            error=type(exc).__name__,
            status=getattr(exc, "status", None),
        )


def _transport_error(
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


def _status_error(call: Call, response: httpx.Response, idempotent: bool) -> ConnectorError:
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
    return _field_names(item["loc"] for item in detail if isinstance(item, dict) and "loc" in item)


def _field_names(locs: Any) -> list[str]:
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


def _shape_reason(exc: BadShape) -> str:
    return f"{exc.reason} at {', '.join(exc.fields)}" if exc.fields else exc.reason
