"""SambatClient: raw records, envelope checks, feed positions, loop detection, replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AmbiguousWriteError, MalformedResponse, NotFound, PagingLoopError
from connectors.sambat import FeedPage, SambatClient
from simulators.sambat import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio


def page(records: list[Any], last_id: int, more: bool) -> httpx.Response:
    return httpx.Response(200, json={"data": records, "last_id": last_id, "more": more})


async def test_records_come_back_raw_even_with_wrong_types(
        scripted: Any, client_kwargs: Any) -> None:
    bad = {"id": 123, "versi": "tiga", "pengirim": "not an object"}
    script = scripted(page([bad, None], 7, False))
    async with SambatClient(**client_kwargs(script)) as sambat:
        got = await sambat.fetch_page(since_id=None)
    assert got == FeedPage(records=[bad, None], last_id=7, more=False)
    assert script.requests[0].url.path == "/api/v1/api/sambat"
    assert dict(script.requests[0].url.params) == {"limit": "100"}


@pytest.mark.parametrize("body", [
    b'{"data": [{"id": "SBT-000001", "isi": "Samb',
    b'{"data": [], "more": false}',
    b'{"data": [], "last_id": "12", "more": false}',
    b'{"data": [], "last_id": true, "more": false}',
    b'{"data": [], "last_id": 3, "more": "ya"}',
    b'{"data": {}, "last_id": 3, "more": false}',
])
async def test_malformed_envelope_is_retried_then_raised(
        scripted: Any, client_kwargs: Any, sleeps: Any, body: bytes) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with SambatClient(**client_kwargs(script, max_attempts=3)) as sambat:
        with pytest.raises(MalformedResponse) as caught:
            await sambat.fetch_page(since_id=4)
    assert len(script.requests) == 3 and len(sleeps.waits) == 2
    assert "SBT-" not in str(caught.value)


async def test_iter_pages_follows_last_id_while_more(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([1], 10, True), page([2], 20, True), page([], 20, False))
    async with SambatClient(**client_kwargs(script)) as sambat:
        pages = [p async for p in sambat.iter_pages(since_id=5, limit=1)]
    assert [p.records for p in pages] == [[1], [2], []]
    assert [r.url.params["since_id"] for r in script.requests] == ["5", "10", "20"]


async def test_a_page_that_does_not_advance_is_a_loop(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([1], 10, True), page([2], 10, True))
    seen: list[Any] = []
    async with SambatClient(**client_kwargs(script)) as sambat:
        with pytest.raises(PagingLoopError) as caught:
            async for p in sambat.iter_pages():
                seen.append(p.records)
    assert seen == [[1]] and caught.value.system == "sambat"


async def test_reply_is_not_retried_after_an_uncertain_outcome(
        scripted: Any, client_kwargs: Any) -> None:
    script = scripted(httpx.Response(502))
    async with SambatClient(**client_kwargs(script)) as sambat:
        with pytest.raises(AmbiguousWriteError) as caught:
            await sambat.reply("SBT-000001", "Sudah ditambal", "DPUPRPKP")
    assert len(script.requests) == 1  # a second POST would text the citizen twice
    assert "ditambal" not in str(caught.value)


# Against the simulator, in process --------------------------------------------------------

@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncBaseTransport, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sambat.sim") as admin:
        yield transport, admin


def client(sim: Any, sleeps: Any) -> SambatClient:
    return SambatClient("http://sambat.sim", SecretStr(DEFAULT_TOKEN), transport=sim[0],
                        max_attempts=10, backoff_max_s=1.0, sleep=sleeps)


async def test_feed_with_faults_reads_every_report(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/seed", json={"n": 120, "seed": 7})
    await sim[1].post("/_sim/faults", json={"seed": 5, "error_rate": 0.2, "duplicate_rate": 0.2,
                                            "churn_per_page": 2, "reorder": True})
    latest: dict[str, int] = {}
    async with client(sim, sleeps) as sambat:
        position = 0
        async for p in sambat.iter_pages(limit=15):
            position = p.last_id
            for r in p.records:
                latest[r["id"]] = max(latest.get(r["id"], 0), r["versi"])
        await sim[1].post("/_sim/faults", json={"churn_per_page": 0, "error_rate": 0.0})
        async for tail in sambat.iter_pages(since_id=position, limit=15):
            for r in tail.records:
                latest[r["id"]] = max(latest.get(r["id"], 0), r["versi"])
    state = (await sim[1].get("/_sim/state")).json()["records"]
    assert latest == {r["id"]: r["versi"] for r in state}


async def test_reply_reaches_the_sms_sender(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/seed", json={"n": 40, "seed": 7})
    records = (await sim[1].get("/_sim/state")).json()["records"]
    sms = next(r for r in records if r["kanal"] == "sms")
    async with client(sim, sleeps) as sambat:
        answered = await sambat.reply(sms["id"], "Sudah ditambal", "DPUPRPKP Kota Malang")
        with pytest.raises(NotFound):
            await sambat.reply("SBT-999999", "x", "y")
    sent = (await sim[1].get("/_sim/state")).json()["sms_keluar"]
    assert answered["balasan"][-1]["isi"] == "Sudah ditambal"
    assert [(m["ke"], m["laporan"]) for m in sent] == [(sms["pengirim"]["no_hp"], sms["id"])]
    assert json.dumps(answered)  # raw, JSON-able
