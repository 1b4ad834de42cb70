"""SikesalClient against the Sikesal simulator in process (``httpx.ASGITransport``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AuthError, InvalidRequest, NotFound
from connectors.sikesal import SikesalClient
from simulators.sikesal import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncBaseTransport, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sikesal.sim") as admin:
        yield transport, admin


def client(sim: Any, sleeps: Any, token: str = DEFAULT_TOKEN, **overrides: Any) -> SikesalClient:
    kwargs: dict[str, Any] = {"max_attempts": 10, "backoff_max_s": 1.0, "sleep": sleeps}
    kwargs.update(overrides)
    return SikesalClient("http://sikesal.sim/api/v1", SecretStr(token), transport=sim[0], **kwargs)


async def seed(sim: Any, n: int, **faults: Any) -> list[dict[str, Any]]:
    await sim[1].post("/_sim/seed", json={"n": n, "seed": 7})
    if faults:
        await sim[1].post("/_sim/faults", json={"seed": 5, **faults})
    records: list[dict[str, Any]] = (await sim[1].get("/_sim/state")).json()["records"]
    return records


async def read_all(sikesal: SikesalClient, **kwargs: Any) -> list[Any]:
    return [r async for page in sikesal.iter_pages(**kwargs) for r in page.records]


async def test_paging_reads_every_record_once(sim: Any, sleeps: Any) -> None:
    records = await seed(sim, 25)
    async with client(sim, sleeps) as sikesal:
        got = await read_all(sikesal, limit=10)
    assert [r["id_laporan"] for r in got] == [r["id_laporan"] for r in records] == list(
        range(1, 26))


async def test_paging_starts_after_the_given_id(sim: Any, sleeps: Any) -> None:
    records = await seed(sim, 20)
    async with client(sim, sleeps) as sikesal:
        got = await read_all(sikesal, after=records[9]["id_laporan"], limit=7)
        past = await sikesal.fetch_page(after=500)
    assert [r["id_laporan"] for r in got] == [r["id_laporan"] for r in records[10:]]
    assert (past.records, past.last_id, past.more) == ([], 500, False)


async def test_churn_while_paging_loses_nothing(sim: Any, sleeps: Any) -> None:
    records = await seed(sim, 40, churn_per_page=3, duplicate_rate=0.2)
    async with client(sim, sleeps) as sikesal:
        got = await read_all(sikesal, limit=8)
    assert {r["id_laporan"] for r in got} == {r["id_laporan"] for r in records}


async def test_malformed_records_come_back_raw_and_truncated_pages_are_retried(
    sim: Any, sleeps: Any
) -> None:
    records = await seed(sim, 60, malformed_rate=0.6)
    async with client(sim, sleeps) as sikesal:
        got = await read_all(sikesal, limit=10)
    assert len(got) == 60
    assert any(served != clean for served, clean in zip(got, records, strict=True))
    assert sleeps.waits  # at least one truncated body was retried


async def test_answer_round_trip(sim: Any, sleeps: Any) -> None:
    records = await seed(sim, 3)
    target = records[0]["id_laporan"]
    async with client(sim, sleeps) as sikesal:
        answered = await sikesal.answer(target, id_user="9", status_laporan="tanggapan",
                                        tanggapan_dinas="Petugas sudah ke lokasi")
        await sikesal.answer(target, id_user="9", status_laporan="selesai")
        with pytest.raises(NotFound):
            await sikesal.answer(999_999, id_user="9", status_laporan="selesai")
        with pytest.raises(InvalidRequest):
            await sikesal.answer(target, id_user="9", status_laporan="ditolak")
        with pytest.raises(InvalidRequest):
            await sikesal.answer(target, id_user="", status_laporan="selesai")
    assert answered.success == 1
    row = (await sim[1].get("/_sim/state")).json()["records"][0]
    assert row["status_laporan"] == "selesai"
    assert row["tanggapan_dinas"] == "Petugas sudah ke lokasi"  # not sent again: kept
    assert row["tanggal_selesai"] is not None and row["foto_selesai"]


async def test_wrong_token_is_auth_error(sim: Any, sleeps: Any) -> None:
    await seed(sim, 1)
    async with client(sim, sleeps, token="wrong") as sikesal:
        with pytest.raises(AuthError):
            await sikesal.fetch_page(after=0)
