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

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Literal, Self, TypeVar
from urllib.parse import quote

import aiohttp
import anyio
import httpx
import structlog
from httpx_aiohttp import AiohttpTransport
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from connectors.bodies import BadShape
from connectors.errormap import Call, parse_retry_after, status_error, transport_error
from connectors.errors import (
    AmbiguousWriteError,
    MalformedResponse,
    RateLimited,
    UpstreamUnavailable,
)
from connectors.tls import default_tls_context

TransportChoice = Literal["aiohttp", "httpx"]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")

__all__ = ["BaseClient", "Call", "Sleep", "TransportChoice", "parse_retry_after"]

_log = structlog.get_logger(__name__)
_USER_AGENT = "lapor-hub/0.1"
_URL_CACHE_SIZE = 64


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
        if transport is None or transport == "aiohttp":
            chosen: httpx.AsyncBaseTransport = AiohttpTransport(limits=limits,
                                                                verify=default_tls_context())
        elif transport == "httpx":
            chosen = httpx.AsyncHTTPTransport(limits=limits, verify=default_tls_context())
        else:
            chosen = transport
        # The client holds what a subclass may change (headers, event hooks, the timeout) and
        # closes the transport; requests go to the transport itself (see ``_send``).
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=chosen,
            follow_redirects=False,
        )
        self._transport = chosen
        # Absolute URLs of the paths called most (a fixed path such as ``/laporan``): httpx
        # would otherwise parse and merge the URL with the base on every request.
        self._base = str(self._client.base_url).rstrip("/")
        self._urls: dict[str, httpx.URL] = {}

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
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send ``method path`` (a template filled from ``path_params``), retrying per policy.

        The body is ``json`` (any JSON value), raw ``content`` (with its ``headers``; a caller
        with a pydantic model encodes it itself, cheaper than ``json=``) or ``data``, sent as
        ``application/x-www-form-urlencoded`` fields (plain PHP scripts read ``$_POST``).
        """
        call = Call(self.system, method, path)
        url = self._url(path, path_params)
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        body = _Body(json, content, data, headers)
        # The first attempt runs outside tenacity: almost every call succeeds at once, and
        # building the retry machinery for each one cost a tenth of a POST's client-side CPU.
        try:
            return await self._attempt(call, url, query, body, idempotent, parse)
        except Exception as exc:
            if self._max_attempts == 1 or not self._should_retry(exc, idempotent):
                raise
            first = exc
        delay = self._delay(1, first)
        self._log_retry(call, 1, delay, first)
        await self._sleep(delay)
        # Attempts 2..max_attempts: tenacity counts from 1, so every number it reports is +1.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts - 1),
            wait=lambda state: self._delay(state.attempt_number + 1, _error_of(state)),
            retry=retry_if_exception(lambda exc: self._should_retry(exc, idempotent)),
            before_sleep=lambda state: self._log_retry(
                call, state.attempt_number + 1, state.upcoming_sleep, _error_of(state)),
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(call, url, query, body, idempotent, parse)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _absolute(self, path: str) -> httpx.URL:
        if path.startswith(("http://", "https://")):
            return httpx.URL(path)  # another host of the same system (e.g. a token endpoint)
        return httpx.URL(f"{self._base}/{path.lstrip('/')}")

    def _url(self, path: str, path_params: Mapping[str, str] | None) -> httpx.URL:
        if path_params:  # an id in the path: a fresh URL each time, not worth keeping
            filled = path.format_map({k: quote(v, safe="") for k, v in path_params.items()})
            return self._absolute(filled)
        url = self._urls.get(path)
        if url is None:
            url = self._absolute(path)
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[path] = url
        return url

    async def _attempt(
        self,
        call: Call,
        url: httpx.URL,
        query: dict[str, str],
        body: _Body,
        idempotent: bool,
        parse: Callable[[httpx.Response, Call], T],
    ) -> T:
        try:
            response = await self._send(call.method, url, query, body)
        except (httpx.RequestError, aiohttp.ClientError) as exc:
            raise transport_error(call, exc, idempotent) from exc
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
        raise status_error(call, response, idempotent)

    async def _send(self, method: str, url: httpx.URL, query: dict[str, str],
                    body: _Body) -> httpx.Response:
        """One request, straight to the transport: ``AsyncClient.send``'s layers (auth and
        redirect loops, cookies, stream wrappers) were a third of a call's client CPU here, and
        none applies: each system authenticates by header, redirects are never followed, no
        cookie is kept. What the client does that matters is done here: its headers, its
        request and response hooks, its timeout, a fully read and closed response."""
        headers = self._client.headers
        if body.headers:
            headers = headers.copy()
            headers.update(body.headers)
        request = httpx.Request(method, url, params=query or None, headers=headers,
                                json=body.json, content=body.content, data=body.data,
                                extensions={"timeout": self._client.timeout.as_dict()})
        for hook in self._client.event_hooks["request"]:
            await hook(request)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            for response_hook in self._client.event_hooks["response"]:
                await response_hook(response)
            await response.aread()
        finally:
            await response.aclose()
        return response

    def _should_retry(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, RateLimited):
            return exc.retry_after is None or exc.retry_after <= self._max_retry_after_s
        if not idempotent:
            # Only raised for a non-idempotent call when the request never left this process.
            return isinstance(exc, UpstreamUnavailable)
        return isinstance(exc, UpstreamUnavailable | MalformedResponse)

    def _delay(self, attempt_number: int, exc: BaseException | None) -> float:
        """How long to wait after failed attempt ``attempt_number`` (1 = the first)."""
        exponent = min(attempt_number - 1, 30)
        ceiling = min(self._backoff_max_s, self._backoff_base_s * 2**exponent)
        # Equal jitter: never below half the ceiling, so a herd spreads out but still backs off.
        delay = random.uniform(ceiling / 2, ceiling)
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay

    def _log_retry(self, call: Call, attempt: int, wait_s: float,
                   exc: BaseException | None) -> None:
        _log.warning(
            "http.retry",
            **call.labels(),
            attempt=attempt,
            wait_s=round(wait_s, 3),
            error=type(exc).__name__,
            status=getattr(exc, "status", None),
        )


def _error_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


@dataclass(frozen=True)
class _Body:
    json: Any = None
    content: bytes | None = None
    data: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None


def _shape_reason(exc: BadShape) -> str:
    return f"{exc.reason} at {', '.join(exc.fields)}" if exc.fields else exc.reason
