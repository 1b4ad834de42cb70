"""Which connector serves which channel, and the clients built from settings.

Adding a channel: a connector in ``connectors/``, a raw schema, a mapping file, and one adapter
entry in ``SOURCES`` below that turns the connector's paging into ``fetch(since, resume, limit)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from connectors.dukcapil import DukcapilClient
from connectors.lapor import LaporClient
from connectors.sikesal import SikesalClient
from hub.pull import Source, SourcePage
from hub.settings import HttpSystem, Settings

# Tests hand in-process transports (ASGI) per system; production leaves this empty.
Transports = dict[str, httpx.AsyncBaseTransport]


def _http_kwargs(system: HttpSystem, name: str, transports: Transports | None) -> dict[str, Any]:
    return {
        "base_url": system.base_url,
        "token": system.token,
        "timeout_s": system.timeout_s,
        "max_attempts": system.max_attempts,
        "backoff_base_s": system.backoff_base_s,
        "backoff_max_s": system.backoff_max_s,
        "concurrency": system.concurrency,
        "transport": (transports or {}).get(name, system.transport),
    }


def lapor_client(settings: Settings, transports: Transports | None = None) -> LaporClient:
    return LaporClient(**_http_kwargs(settings.lapor, "lapor", transports))


def dukcapil_client(settings: Settings,
                    transports: Transports | None = None) -> DukcapilClient | None:
    """None when no credentials are configured: identity checks are then skipped, not faked."""
    system = settings.dukcapil
    if system.password is None:
        return None
    kwargs = _http_kwargs(system, "dukcapil", transports)
    kwargs.pop("token")
    return DukcapilClient(user_id=system.user_id, password=system.password,
                          instansi=system.instansi, ip_user=system.ip_user,
                          threshold=system.threshold, **kwargs)


class SikesalSource:
    def __init__(self, client: SikesalClient) -> None:
        self._client = client

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        page = await self._client.fetch_page(updated_since=since, cursor=resume, limit=limit)
        return SourcePage(records=page.records, resume=page.next_cursor)


@asynccontextmanager
async def _sikesal(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    async with SikesalClient(**_http_kwargs(settings.sikesal, "sikesal", transports)) as client:
        yield SikesalSource(client)


SourceFactory = Callable[[Settings, Transports | None], AbstractAsyncContextManager[Source]]

SOURCES: dict[str, SourceFactory] = {
    "sikesal": _sikesal,
}


def open_source(channel: str, settings: Settings,
                transports: Transports | None = None) -> AbstractAsyncContextManager[Source]:
    try:
        factory = SOURCES[channel]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ValueError(f"unknown channel {channel!r}; known: {known}") from None
    return factory(settings, transports)
