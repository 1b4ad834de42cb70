"""Sikesal write-back: ``PATCH /pengaduan/{id}`` sets the status; texts go in ``catatan``.

Sikesal does not serve its notes back in the record, so it has no follow-up text to read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from connectors.sikesal import SikesalClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.reconcile.writeback import ChannelWriter, WriteContext


class SikesalWriter:
    def __init__(self, client: SikesalClient) -> None:
        self._client = client

    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        catatan = "\n\n".join(texts) if texts else None
        return await self._client.update_status(source_id, status, catatan)


@asynccontextmanager
async def open_writer(settings: Settings,
                      transports: Transports | None) -> AsyncIterator[ChannelWriter]:
    async with SikesalClient(**http_kwargs(settings.sikesal, "sikesal", transports)) as client:
        yield SikesalWriter(client)
