"""The raw limit every bench prints beside its figure: plain LAPOR! POSTs with the hub's client."""

from __future__ import annotations

import asyncio
import time

from connectors.lapor import LaporReportIn
from hub.core.clients import lapor_client
from hub.core.settings import Settings


async def raw_lapor_posts(settings: Settings, n: int, concurrency: int) -> float:
    """POSTs per second to ``settings.lapor`` with ``concurrency`` in flight, no hub work."""
    body = LaporReportIn(judul="bench", isi="bench", klasifikasi="pengaduan",
                         kategori="Infrastruktur", instansi_tujuan="X", sumber="RAW",
                         ref_eksternal="0")
    gate = asyncio.Semaphore(concurrency)
    async with lapor_client(settings) as lapor:
        async def one(i: int) -> None:
            async with gate:
                await lapor.create_report(body.model_copy(update={"ref_eksternal": str(i)}))

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)
