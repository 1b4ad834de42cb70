"""Laksa write-back: an officer's follow-up (``POST /api/laporan/{id}/tindak-lanjut``, assumed).

One call sets the status and leaves a note the citizen reads in the app, so every write carries a
note: LAPOR!'s own texts when it has some, else a short plain-Indonesian line for the LAPOR!
status (Laksa's three statuses say less than LAPOR!'s seven, so the line says which one). Laksa
serves its notes back in ``tindak_lanjut``: the agency's notes are its follow-up texts, and the
hub's own notes read back are echoes (the engine knows their hashes after the write).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from connectors.laksa import LaksaClient, Status
from hub.core.clients import Transports, http_kwargs
from hub.core.models import LaporStatus
from hub.core.settings import Settings
from hub.reconcile.writeback import ChannelWriter, WriteContext

# What the citizen is told when LAPOR! moves without a text of its own, by LAPOR! status.
# belum_terverifikasi has no line: nothing has happened yet that the citizen needs to hear.
_MESSAGES = {
    LaporStatus.terverifikasi: "Laporan Anda telah diverifikasi dan diteruskan ke {instansi} "
                               "melalui SP4N-LAPOR! ({tracking_id}).",
    LaporStatus.tindak_lanjut: "Laporan Anda sedang ditindaklanjuti oleh {instansi} "
                               "({tracking_id}).",
    LaporStatus.ditunda: "Tindak lanjut laporan Anda ditunda sementara di SP4N-LAPOR! "
                         "({tracking_id}).",
    LaporStatus.selesai: "Laporan Anda telah dinyatakan selesai di SP4N-LAPOR! ({tracking_id}).",
    LaporStatus.bukan_wewenang: "Laporan Anda dinyatakan bukan kewenangan {instansi} dan ditutup "
                                "di SP4N-LAPOR! ({tracking_id}).",
    LaporStatus.diarsipkan: "Laporan Anda telah diarsipkan di SP4N-LAPOR! ({tracking_id}).",
}


def follow_ups(raw: Any) -> list[str]:
    notes = raw.get("tindak_lanjut") if isinstance(raw, dict) else None
    if not isinstance(notes, list):
        return []
    return [n["catatan"] for n in notes
            if isinstance(n, dict) and isinstance(n.get("catatan"), str) and n["catatan"].strip()]


class LaksaWriter:
    def __init__(self, client: LaksaClient) -> None:
        self._client = client

    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        if texts:
            catatan = "\n\n".join(texts)
        elif ctx.target in _MESSAGES:
            catatan = _MESSAGES[ctx.target].format(instansi=ctx.instansi,
                                                   tracking_id=ctx.tracking_id)
        else:
            return None
        # ``status`` comes from mappings/laksa.yaml from_lapor, which names only Laksa statuses.
        # A wrong one is a mapping bug: Laksa answers 422, a failed write the engine records,
        # rather than an exception here that would stop the whole round.
        return await self._client.follow_up(source_id, cast(Status, status), catatan, ctx.oleh)


@asynccontextmanager
async def open_writer(settings: Settings,
                      transports: Transports | None) -> AsyncIterator[ChannelWriter]:
    async with LaksaClient(**http_kwargs(settings.laksa, "laksa", transports)) as client:
        yield LaksaWriter(client)
