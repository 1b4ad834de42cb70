"""Sambat (Kota Malang): a ``since_id`` changelog feed, read as a position feed.

The feed has no time filter: ``since`` is ignored and the position (the last feed id read) is
handed back on every page, the last one included, so the engine stores it and the next run
continues after it. Changed reports reappear further on in the feed, so continuing is enough.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from connectors.sambat import SambatClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.sources.page import Source, SourcePage


class SambatSource:
    def __init__(self, client: SambatClient) -> None:
        self._client = client

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        page = await self._client.fetch_page(since_id=int(resume) if resume else None,
                                             limit=limit)
        return SourcePage(records=page.records, resume=str(page.last_id), more=page.more)


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    async with SambatClient(**http_kwargs(settings.sambat, "sambat", transports)) as client:
        yield SambatSource(client)
