"""The default aiohttp transport over a real loopback socket.

httpx-aiohttp reports a server that hangs up after reading the request as ``httpx.ConnectTimeout``,
the same type as a failed connect; these tests pin that the base still tells the two apart.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from connectors.errors import AmbiguousWriteError, UpstreamUnavailable
from connectors.lapor import LaporClient, LaporReportIn

pytestmark = pytest.mark.anyio

Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]

REPORT = LaporReportIn(
    judul="Lampu jalan mati",
    isi="Sudah seminggu",
    klasifikasi="pengaduan",
    kategori="1",
    instansi_tujuan="DISHUB-1571",
    anonim=True,
    sumber="SIKESAL",
    ref_eksternal="SKL-000007",
)
CREATED = (
    b'{"tracking_id": "LPR00000001", "transaksi_id": "TRX0000000001",'
    b' "status": "belum_terverifikasi"}'
)


class LoopbackServer:
    """Reads one HTTP request per connection, counts it, then does ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        self.requests += 1
        await self.behaviour(writer)
        writer.close()


async def hang_up(writer: asyncio.StreamWriter) -> None:
    return None


async def answer_created(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(CREATED), CREATED)
    )
    await writer.drain()


async def stall(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(5)


async def truncated_body(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 128\r\n\r\n" + CREATED[:20])
    await writer.drain()


@asynccontextmanager
async def serve(behaviour: Behaviour) -> AsyncIterator[tuple[LoopbackServer, str]]:
    server = LoopbackServer(behaviour)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server, f"http://127.0.0.1:{port}/api/v1"


def lapor(base_url: str, sleeps: Any, **overrides: Any) -> LaporClient:
    kwargs: dict[str, Any] = {"timeout_s": 2.0, "max_attempts": 3, "sleep": sleeps}
    kwargs.update(overrides)
    return LaporClient(base_url, None, transport="aiohttp", **kwargs)


async def test_create_reaches_a_real_server_through_aiohttp(sleeps: Any) -> None:
    async with serve(answer_created) as (server, url):
        async with lapor(url, sleeps) as client:
            created = await client.create_report(REPORT)
        assert created.tracking_id == "LPR00000001"
        assert server.requests == 1


@pytest.mark.parametrize("behaviour", [hang_up, truncated_body])
async def test_create_answered_by_a_hang_up_is_ambiguous_and_sent_once(
    sleeps: Any, behaviour: Behaviour
) -> None:
    async with serve(behaviour) as (server, url):
        async with lapor(url, sleeps) as client:
            with pytest.raises(AmbiguousWriteError):
                await client.create_report(REPORT)
        assert server.requests == 1


async def test_create_that_times_out_reading_is_ambiguous_and_sent_once(sleeps: Any) -> None:
    async with serve(stall) as (server, url):
        async with lapor(url, sleeps, timeout_s=0.3) as client:
            with pytest.raises(AmbiguousWriteError):
                await client.create_report(REPORT)
        assert server.requests == 1


async def test_read_answered_by_a_hang_up_is_retried(sleeps: Any) -> None:
    async with serve(hang_up) as (server, url):
        async with lapor(url, sleeps) as client:
            with pytest.raises(UpstreamUnavailable):
                await client.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000007")
        assert server.requests >= 3


async def test_create_against_a_closed_port_is_retried_as_nothing_was_sent(sleeps: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with lapor(f"http://127.0.0.1:{port}/api/v1", sleeps) as client:
        with pytest.raises(UpstreamUnavailable, match="could not connect"):
            await client.create_report(REPORT)
    assert len(sleeps.waits) == 2
