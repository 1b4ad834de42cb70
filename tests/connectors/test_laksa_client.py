"""LaksaClient: raw records, envelope checks, page numbers, and against the simulator in process."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AmbiguousWriteError, AuthError, ConnectorError, MalformedResponse
from connectors.laksa import LaksaClient, LaksaPage
from simulators.laksa import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio


def page(records: list[Any], number: int = 1, size: int = 50, total: int = 0) -> httpx.Response:
    return httpx.Response(200, json={"data": records, "page": number, "page_size": size,
                                     "total": total})


async def test_records_come_back_raw_even_with_wrong_types(
    scripted: Any, client_kwargs: Any
) -> None:
    bad = {"id": "x", "updated_at": "kemarin", "pelapor": None}
    script = scripted(page([bad, None], total=2))
    async with LaksaClient(**client_kwargs(script)) as laksa:
        got = await laksa.fetch_page(page=1)
    assert got == LaksaPage(records=[bad, None], page=1, page_size=50, total=2)


async def test_fetch_page_sends_page_size_and_sort_capped_at_the_server_maximum(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([], 3, 200))
    async with LaksaClient(**client_kwargs(script)) as laksa:
        await laksa.fetch_page(page=3, page_size=500, sort="updated_at")
        with pytest.raises(ValueError, match="start at 1"):
            await laksa.fetch_page(page=0)
    (request,) = script.requests
    assert request.url.path == "/api/v1/api/laporan"
    assert dict(request.url.params) == {"page": "3", "page_size": "200", "sort": "updated_at"}
    assert request.headers["authorization"] == "Bearer sandbox-token"


@pytest.mark.parametrize("body", [
    b'{"data": [{"id": 1, "isi": "Jal',
    b"[]",
    b'{"page": 1, "page_size": 50, "total": 0}',
    b'{"data": [], "page": 2, "page_size": 50, "total": 0}',
    b'{"data": [], "page": 1, "page_size": 0, "total": 0}',
    b'{"data": [], "page": 1, "page_size": 50, "total": "banyak"}',
    b'{"data": [], "page": 1, "page_size": 50, "total": true}',
])
async def test_malformed_envelope_or_wrong_page_is_retried_then_raised(
    scripted: Any, client_kwargs: Any, sleeps: Any, body: bytes
) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with LaksaClient(**client_kwargs(script, max_attempts=3)) as laksa:
        with pytest.raises(MalformedResponse) as caught:
            await laksa.fetch_page(page=1)
    assert len(script.requests) == 3 and len(sleeps.waits) == 2
    assert "Jal" not in str(caught.value)


async def test_iter_pages_stops_at_the_total_or_an_empty_page(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1, 2], 1, 2, 5), page([3, 4], 2, 2, 5), page([5], 3, 2, 5))
    async with LaksaClient(**client_kwargs(script)) as laksa:
        pages = [p.records async for p in laksa.iter_pages(page_size=2)]
    assert pages == [[1, 2], [3, 4], [5]]
    empty = scripted(page([], 1, 2, 9))
    async with LaksaClient(**client_kwargs(empty)) as laksa:
        assert [p.records async for p in laksa.iter_pages(page_size=2)] == [[]]


def sim_client(app: Any, sleeps: Any, token: str = DEFAULT_TOKEN) -> LaksaClient:
    return LaksaClient("http://laksa.sim", SecretStr(token), transport=httpx.ASGITransport(app=app),
                       max_attempts=10, backoff_max_s=1.0, sleep=sleeps)


async def test_reads_every_simulator_record_newest_first(sleeps: Any) -> None:
    app = create_app()
    app.state.backend.seed(_seed(45))
    async with sim_client(app, sleeps) as laksa:
        got = [r async for p in laksa.iter_pages(page_size=10) for r in p.records]
    truth = app.state.backend.state()["records"]
    assert [r["id"] for r in got] == [r["id"] for r in reversed(truth)]


async def test_truncated_bodies_are_retried_and_bad_records_come_back_raw(sleeps: Any) -> None:
    app = create_app()
    app.state.backend.seed(_seed(60))
    app.state.faults.update({"malformed_rate": 0.6, "seed": 5})
    async with sim_client(app, sleeps) as laksa:
        got = [r async for p in laksa.iter_pages(page_size=10) for r in p.records]
    assert len(got) == 60 and sleeps.waits


async def test_wrong_token_is_auth_error(sleeps: Any) -> None:
    async with sim_client(create_app(), sleeps, token="salah") as laksa:
        with pytest.raises(AuthError):
            await laksa.fetch_page(page=1)


def _seed(n: int) -> Any:
    from simulators.admin import SeedRequest

    return SeedRequest(n=n, seed=7)


async def test_follow_up_posts_status_note_and_officer_and_returns_the_record_raw(
    scripted: Any, client_kwargs: Any
) -> None:
    record = {"id": 10001, "status": "proses", "tindak_lanjut": [{"catatan": "Dicek."}]}
    script = scripted(httpx.Response(200, json=record))
    async with LaksaClient(**client_kwargs(script)) as laksa:
        got = await laksa.follow_up("10001", "proses", "Dicek.", "DPUPR-KOTA-TANGERANG")
    (request,) = script.requests
    assert got == record
    assert request.method == "POST"
    assert request.url.path == "/api/v1/api/laporan/10001/tindak-lanjut"
    assert json.loads(request.content) == {"status": "proses", "catatan": "Dicek.",
                                           "oleh": "DPUPR-KOTA-TANGERANG"}


async def test_follow_up_is_retried_only_when_nothing_was_sent(
    scripted: Any, client_kwargs: Any
) -> None:
    # 429 means Laksa refused before acting: safe to send again.
    limited = scripted(httpx.Response(429, headers={"Retry-After": "0"}),
                       httpx.Response(200, json={"id": 10001}))
    async with LaksaClient(**client_kwargs(limited)) as laksa:
        assert await laksa.follow_up("10001", "selesai", "Selesai.", "DLH") == {"id": 10001}
    assert len(limited.requests) == 2
    # A 502 or a timeout may have stored the note: sending it again could show it twice.
    for step in (httpx.Response(502), httpx.ReadTimeout("slow")):
        script = scripted(step, httpx.Response(200, json={"id": 10001}))
        async with LaksaClient(**client_kwargs(script)) as laksa:
            with pytest.raises(AmbiguousWriteError) as caught:
                await laksa.follow_up("10001", "selesai", "Catatan rahasia.", "DLH")
        assert len(script.requests) == 1 and "rahasia" not in str(caught.value)


async def test_follow_up_against_the_simulator_and_its_404(sleeps: Any) -> None:
    app = create_app()
    app.state.backend.seed(_seed(5))
    async with sim_client(app, sleeps) as laksa:
        record = await laksa.follow_up("10002", "selesai", "Sudah ditangani.", "BPBD")
        with pytest.raises(ConnectorError) as missing:
            await laksa.follow_up("99999", "proses", "x", "BPBD")
    assert record["status"] == "selesai" and record["tindak_lanjut"][-1]["catatan"] == \
        "Sudah ditangani."
    assert missing.value.status == 404
    assert app.state.backend.state()["tindak_lanjut"] == 1
