"""Sambat write-back: a reply to the citizen (``POST /api/sambat/{id}/balasan``).

Sambat has no status endpoint: a reply is its only write, and Sambat itself marks the report
``dijawab``. An SMS report's reply goes out as an SMS, so every reply is short and in plain
Indonesian. A status with nothing to tell the citizen (``masuk``) writes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from connectors.sambat import SambatClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.reconcile.writeback import ChannelWriter, WriteContext

# What the citizen is told when LAPOR! moves without a text of its own (Sambat vocabulary).
_MESSAGES = {
    "diteruskan": "Laporan Anda telah diverifikasi dan diteruskan ke {instansi} "
                  "melalui SP4N-LAPOR! ({tracking_id}).",
    "dijawab": "Laporan Anda sedang ditindaklanjuti oleh {instansi} ({tracking_id}).",
    "selesai": "Laporan Anda telah dinyatakan selesai di SP4N-LAPOR! ({tracking_id}).",
}


def follow_ups(raw: Any) -> list[str]:
    replies = raw.get("balasan") if isinstance(raw, dict) else None
    if not isinstance(replies, list):
        return []
    return [r["isi"] for r in replies if isinstance(r, dict) and isinstance(r.get("isi"), str)]


class SambatWriter:
    def __init__(self, client: SambatClient) -> None:
        self._client = client

    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        if texts:
            isi = "\n\n".join(texts)
        elif status in _MESSAGES:
            isi = _MESSAGES[status].format(instansi=ctx.instansi, tracking_id=ctx.tracking_id)
        else:
            return None
        return await self._client.reply(source_id, isi, ctx.oleh)


@asynccontextmanager
async def open_writer(settings: Settings,
                      transports: Transports | None) -> AsyncIterator[ChannelWriter]:
    async with SambatClient(**http_kwargs(settings.sambat, "sambat", transports)) as client:
        yield SambatWriter(client)
