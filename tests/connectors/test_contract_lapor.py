"""LaporClient against the LAPOR! simulator in process (``httpx.ASGITransport``).

``raise_app_exceptions=False``: the simulator's dropped connection is an exception inside the app;
with it off, the client sees what a socket would give it, a 201 whose body stops short.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    InvalidRequest,
    NotFound,
    RateLimited,
    UpstreamUnavailable,
)
from connectors.lapor import LaporClient, LaporPelapor, LaporReportIn, LaporStatus
from simulators.lapor import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncBaseTransport, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lapor.sim") as admin:
        yield transport, admin


def client(sim: Any, sleeps: Any, token: str = DEFAULT_TOKEN, **overrides: Any) -> LaporClient:
    kwargs: dict[str, Any] = {"max_attempts": 3, "backoff_max_s": 1.0, "sleep": sleeps}
    kwargs.update(overrides)
    return LaporClient("http://lapor.sim/api/v1", SecretStr(token), transport=sim[0], **kwargs)


async def stored(sim: Any) -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = (await sim[1].get("/_sim/state")).json()["reports"]
    return reports


def report(ref: str = "SKL-000001", **overrides: Any) -> LaporReportIn:
    fields: dict[str, Any] = {
        "judul": "Drainase tersumbat",
        "isi": "Air meluap ke jalan",
        "klasifikasi": "pengaduan",
        "kategori": "1",
        "instansi_tujuan": "PUPR-1571",
        "lat": -1.61,
        "lng": 103.61,
        "tanggal_kejadian": datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        "pelapor": LaporPelapor(nama="Siti Aminah", nik="1571014507900001"),
        "sumber": "SIKESAL",
        "ref_eksternal": ref,
    }
    fields.update(overrides)
    return LaporReportIn(**fields)


async def test_create_then_find_by_origin(sim: Any, sleeps: Any) -> None:
    async with client(sim, sleeps) as lapor:
        created = await lapor.create_report(report())
        refs = await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000001")
        none = await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-999999")
    assert created.status == LaporStatus.BELUM_TERVERIFIKASI
    assert created.tracking_id.isdigit() and created.transaksi_id and created.transaksi_id.isdigit()
    assert [r.tracking_id for r in refs] == [created.tracking_id]
    assert none == []
    (saved,) = await stored(sim)
    assert saved["pelapor"]["nama"] == "Siti Aminah"
    assert saved["tanggal_kejadian"].startswith("2026-11-20T01:00:00")


async def test_wrong_token_is_auth_error(sim: Any, sleeps: Any) -> None:
    async with client(sim, sleeps, token="wrong") as lapor:
        with pytest.raises(AuthError):
            await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000001")


async def test_invalid_body_gives_the_field_name(sim: Any, sleeps: Any) -> None:
    async with client(sim, sleeps) as lapor:
        with pytest.raises(InvalidRequest) as caught:
            await lapor.create_report(report(lat=123.0))
    assert caught.value.fields == ["lat"]
    assert await stored(sim) == []


async def test_accept_then_fail_is_ambiguous_and_never_duplicated(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/faults", json={"accept_then_fail_rate": 1.0, "seed": 3})
    async with client(sim, sleeps) as lapor:
        for i in range(6):  # both variants: 502 and dropped connection
            with pytest.raises(AmbiguousWriteError):
                await lapor.create_report(report(f"SKL-{i:06d}"))
        await sim[1].post("/_sim/faults", json={"accept_then_fail_rate": 0.0})
        refs = await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000004")
    assert len(await stored(sim)) == 6
    assert len(refs) == 1
    assert sleeps.waits == []


async def test_rate_limited_create_is_retried_and_stores_nothing(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 0.5})
    async with client(sim, sleeps) as lapor:
        with pytest.raises(RateLimited) as caught:
            await lapor.create_report(report())
    assert caught.value.retry_after == 0.5
    assert len(sleeps.waits) == 2
    assert all(wait >= 0.5 for wait in sleeps.waits)
    assert await stored(sim) == []


async def test_flaky_reads_are_retried_through(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/faults", json={"error_rate": 0.5, "seed": 1})
    async with client(sim, sleeps, max_attempts=10) as lapor:
        for _ in range(10):
            assert await lapor.find_reports(sumber="SIKESAL", ref_eksternal="x") == []
    assert sleeps.waits  # some failures happened and were retried


async def test_persistent_5xx_on_a_read_gives_up(sim: Any, sleeps: Any) -> None:
    await sim[1].post("/_sim/faults", json={"error_rate": 1.0, "error_status": 502})
    async with client(sim, sleeps) as lapor:
        with pytest.raises(UpstreamUnavailable):
            await lapor.changes(since=None)
    assert len(sleeps.waits) == 2


async def test_changes_follow_up_and_cursor_paging(sim: Any, sleeps: Any) -> None:
    async with client(sim, sleeps) as lapor:
        created = [await lapor.create_report(report(f"SKL-{i:06d}")) for i in range(3)]
        await sim[1].post("/_sim/advance", json={"n": 2})
        await lapor.add_follow_up(
            created[2].tracking_id,
            isi="Sudah dibersihkan",
            status="selesai",
            oleh="PUPR",
            waktu=datetime(2026, 11, 22, 3, 0, tzinfo=UTC),
        )
        with pytest.raises(NotFound):
            await lapor.add_follow_up(
                "99999999", isi="x", status="selesai", oleh="x", waktu=datetime.now(UTC)
            )
        seen, cursor = [], None
        while True:
            page = await lapor.changes(since=cursor, limit=2)
            if not page.data:
                break
            seen.extend(page.data)
            cursor = page.next_cursor
    assert len(seen) == 6  # 3 created, 2 advanced, 1 follow-up
    assert [c.cursor for c in seen] == sorted(c.cursor for c in seen)
    last = seen[-1]
    assert (last.tracking_id, last.status) == (created[2].tracking_id, "selesai")
    assert last.tindak_lanjut[-1].isi == "Sudah dibersihkan"
