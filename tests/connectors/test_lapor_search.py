"""The assumed search ``GET /laporan/cari``: LaporClient against the LAPOR! simulator in process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.lapor import LaporClient, LaporPelapor, LaporReportIn
from simulators.lapor import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncBaseTransport, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://lapor.sim",
                                 headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as raw:
        yield transport, raw


def _report(i: int, instansi: str) -> LaporReportIn:
    return LaporReportIn(judul=f"Laporan {i}", isi=f"Isi laporan {i}", klasifikasi="pengaduan",
                         kategori="1", instansi_tujuan=instansi,
                         pelapor=LaporPelapor(nama="Siti Aminah", nik="1571014507900001"),
                         sumber="SIKESAL", ref_eksternal=f"SKL-{i:06d}")


async def test_search_pages_through_a_window_oldest_first_without_reporters(sim: Any) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    async with LaporClient("http://lapor.sim/api/v1", SecretStr(DEFAULT_TOKEN),
                           transport=sim[0]) as lapor:
        created = [await lapor.create_report(_report(i, "DLH" if i % 2 else "PUPR"))
                   for i in range(5)]
        after = datetime.now(UTC) + timedelta(seconds=5)
        found = await lapor.search_reports(sejak=before, sampai=after, limit=2)
        assert [f.tracking_id for f in found] == [c.tracking_id for c in created]
        assert [f.dibuat for f in found] == sorted(f.dibuat for f in found)
        assert found[0].ref_eksternal == "SKL-000000" and found[0].isi == "Isi laporan 0"
        dlh = await lapor.search_reports(sejak=before, sampai=after, instansi="DLH")
        assert [f.tracking_id for f in dlh] == [created[1].tracking_id, created[3].tracking_id]
        assert await lapor.search_reports(sejak=after, sampai=after + timedelta(hours=1)) == []
    raw = (await sim[1].get("/api/v1/laporan/cari", params={
        "sejak": before.isoformat(), "sampai": after.isoformat()})).json()
    assert all("pelapor" not in r for r in raw["data"]) and raw["next_cursor"] is None


@pytest.mark.parametrize("params", [
    {"sejak": "2026-11-20T08:00:00", "sampai": "2026-11-21T08:00:00+07:00"},
    {"sejak": "2026-11-20T08:00:00+07:00", "sampai": "2026-11-21T08:00:00+07:00",
     "cursor": "2026-11-20T08:00:00|4100001"},
    {"sejak": "2026-11-20T08:00:00+07:00", "sampai": "2026-11-21T08:00:00+07:00",
     "cursor": "nonsense"},
])
async def test_search_refuses_times_without_offset_and_cursors_it_did_not_issue(
        sim: Any, params: dict[str, str]) -> None:
    response = await sim[1].get("/api/v1/laporan/cari", params=params)
    assert response.status_code == 422
