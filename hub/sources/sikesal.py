"""Sikesal (Kota Jambi): keyset cursor paging with ``updated_since``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from connectors.sikesal import SikesalClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.sources.page import Source, SourcePage


class SikesalSource:
    def __init__(self, client: SikesalClient) -> None:
        self._client = client

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        page = await self._client.fetch_page(updated_since=since, cursor=resume, limit=limit)
        return SourcePage(records=page.records, resume=page.next_cursor)


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    async with SikesalClient(**http_kwargs(settings.sikesal, "sikesal", transports)) as client:
        yield SikesalSource(client)
