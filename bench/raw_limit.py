"""The limits every bench prints beside its figure, measured against the same simulator process.

- ``bare_lapor_posts``: a minimal aiohttp client that runs no hub code at all — the same JSON body,
  the same concurrency. This is the wire's limit on this machine.
- ``connector_lapor_posts``: the hub's own LAPOR! connector alone (models, retries, transport),
  no pipeline. The gap between the two is the connector's own cost.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from connectors.lapor_api import LaporReportIn
from hub.core.clients import lapor_client
from hub.core.settings import Settings

BODY = {"judul": "bench", "isi": "bench " * 100, "klasifikasi": "pengaduan",
        "kategori": "1", "instansi_tujuan": "X", "sumber": "RAW"}


async def bare_lapor_posts(base_url: str, token: str, n: int, concurrency: int) -> float:
    """POSTs per second with a plain aiohttp session: the limit of the wire and the server."""
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        async def one(i: int) -> None:
            async with gate:
                data = json.dumps({**BODY, "ref_eksternal": f"bare-{i}"})
                async with session.post(f"{base_url}/laporan", data=data) as response:
                    await response.read()
                    if response.status != 201:
                        raise RuntimeError(f"bare client: HTTP {response.status}")

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)


async def connector_lapor_posts(settings: Settings, n: int, concurrency: int) -> float:
    """POSTs per second through the hub's LAPOR! connector, with no pipeline around it."""
    body = LaporReportIn.model_validate({**BODY, "ref_eksternal": "0"})
    gate = asyncio.Semaphore(concurrency)
    async with lapor_client(settings) as lapor:
        async def one(i: int) -> None:
            async with gate:
                await lapor.create_report(body.model_copy(update={"ref_eksternal": f"conn-{i}"}))

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)

