"""Sikesal write-back: the OPD answer script sets ``status_laporan`` and ``tanggapan_dinas``.

``tanggapan_dinas`` is one field, the OPD's answer the citizen sees: it is the channel's
follow-up text (its content reaches LAPOR! as the agency's follow-up), and LAPOR!'s texts are
written into it. A status with no text of its own writes a short line for ``tanggapan`` only;
``baru`` and ``selesai`` without a text leave the answer as it is (the field is not sent).

The script answers ``{"success": 1, "message": "…"}``, not the row: the adapter hands back
what it wrote, so the round records it and recognises the next read of the row as its echo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from connectors.errors import InvalidRequest
from connectors.sikesal import SikesalClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.reconcile.writeback import ChannelWriter, WriteContext

_MESSAGES = {
    "tanggapan": "Laporan Anda sedang ditindaklanjuti oleh {instansi} melalui SP4N-LAPOR! "
                 "({tracking_id}).",
}


def follow_ups(raw: Any) -> list[str]:
    text = raw.get("tanggapan_dinas") if isinstance(raw, dict) else None
    return [text] if isinstance(text, str) and text.strip() else []


class SikesalWriter:
    def __init__(self, client: SikesalClient, id_user: str) -> None:
        self._client = client
        self._id_user = id_user

    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        if not source_id.isdigit():
            raise InvalidRequest("id_laporan is not an integer", system="sikesal", status=0)
        tanggapan: str | None = "\n\n".join(texts) if texts else None
        if tanggapan is None and status in _MESSAGES:
            tanggapan = _MESSAGES[status].format(instansi=ctx.instansi,
                                                 tracking_id=ctx.tracking_id)
        await self._client.answer(int(source_id), id_user=self._id_user, status_laporan=status,
                                  tanggapan_dinas=tanggapan)
        written: dict[str, Any] = {"id_laporan": int(source_id), "status_laporan": status}
        if tanggapan is not None:
            written["tanggapan_dinas"] = tanggapan
        return written


@asynccontextmanager
async def open_writer(settings: Settings,
                      transports: Transports | None) -> AsyncIterator[ChannelWriter]:
    async with SikesalClient(**http_kwargs(settings.sikesal, "sikesal", transports)) as client:
        yield SikesalWriter(client, settings.sikesal.id_user)
