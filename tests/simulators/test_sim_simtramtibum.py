from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from simulators.clock import WIB, LogicalClock
from simulators.simtramtibum import COLUMNS, DEFAULT_TOKEN, create_app
from simulators.simtramtibum_data import KELURAHAN, staff_roster

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
START = datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
DAYS = [START.date() - timedelta(days=d) for d in range(16)]


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(body.decode("utf-8").splitlines(), delimiter=";"))


async def export(client: Any, day: date) -> bytes:
    response = await client.get("/export.csv", params={"tanggal": f"{day:%d/%m/%Y}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    content: bytes = response.content
    return content


async def seeded(client: Any, n: int, seed: int = 7, bad_rate: float = 0.0) -> None:
    response = await client.post("/_sim/seed", json={"n": n, "seed": seed, "bad_rate": bad_rate})
    assert response.json() == {"seeded": n}


def app() -> Any:
    return create_app(clock=LogicalClock(start=START))


async def test_seeding_is_deterministic(client_for: ClientFactory) -> None:
    states = []
    for _ in range(2):
        async with client_for(app()) as client:
            await seeded(client, 200)
            states.append((await client.get("/_sim/state")).json())
    assert states[0] == states[1] and states[0]["count"] == 200


def test_every_kelurahan_has_a_kasi_trantib_with_a_well_formed_nip() -> None:
    roster = staff_roster(7)
    assert sorted(s.kelurahan for s in roster) == sorted(k for ks in KELURAHAN.values() for k in ks)
    for staff in roster:
        born = datetime.strptime(staff.nip[:8], "%Y%m%d")
        hired = datetime.strptime(staff.nip[8:14], "%Y%m")
        assert len(staff.nip) == 18 and staff.nip[14] in "12" and hired.year - born.year >= 22
        assert staff.jabatan == f"Kasi Trantib Kelurahan {staff.kelurahan}"
    assert len({s.nip for s in roster}) == len(roster)


async def test_each_report_is_in_the_export_of_the_day_it_was_last_updated(
        client_for: ClientFactory) -> None:
    async with client_for(app(), DEFAULT_TOKEN) as client:
        await seeded(client, 150)
        state = (await client.get("/_sim/state")).json()["records"]
        by_day = {day: rows(await export(client, day)) for day in DAYS}
    assert all(lines[0] == list(COLUMNS) for lines in by_day.values())
    served = [dict(zip(COLUMNS, line, strict=True)) for lines in by_day.values()
              for line in lines[1:]]
    assert sorted(served, key=lambda r: r["no_laporan"]) == sorted(
        state, key=lambda r: r["no_laporan"])
    for day, lines in by_day.items():
        assert all(line[4].startswith(f"{day:%d/%m/%Y} ") for line in lines[1:])
    assert {r["kategori"] for r in state} == {"PKL", "GANGGUAN_KETERTIBAN", "PARKIR_LIAR", "MIRAS",
                                              "ANJAL_GEPENG", "BANGUNAN_LIAR", "REKLAME_LIAR"}


async def test_an_updated_report_moves_to_todays_export(client_for: ClientFactory) -> None:
    async with client_for(app(), DEFAULT_TOKEN) as client:
        await seeded(client, 60)
        before = {r["no_laporan"]: r for r in (await client.get("/_sim/state")).json()["records"]}
        await client.post("/_sim/faults", json={"churn_per_page": 5, "seed": 1})
        await export(client, DAYS[5])  # the churn happens while an export is served
        await client.post("/_sim/faults", json={"churn_per_page": 0})
        after = {r["no_laporan"]: r for r in (await client.get("/_sim/state")).json()["records"]}
        today = [dict(zip(COLUMNS, line, strict=True)) for line in rows(
            await export(client, START.date()))[1:]]
        old_days = {d: rows(await export(client, d)) for d in DAYS[1:]}
    changed = {k for k in after if after[k]["revisi"] != before[k]["revisi"]}
    assert len(changed) == 5
    assert changed <= {r["no_laporan"] for r in today}
    assert all(int(after[k]["revisi"]) == int(before[k]["revisi"]) + 1 for k in changed)
    assert not any(line[0] in changed for lines in old_days.values() for line in lines[1:])


async def test_bad_rate_spoils_reports_at_the_source(client_for: ClientFactory) -> None:
    async with client_for(app()) as client:
        await seeded(client, 300, bad_rate=0.2)
        state = (await client.get("/_sim/state")).json()["records"]
    bad = [r for r in state if r["kategori"] == "LAINNYA" or r["uraian"] == ""
           or len(r["nip_pelapor"]) != 18 or r["nip_pelapor"][4:6] == "13"]
    assert 30 <= len(bad) <= 90


async def test_malformed_duplicate_and_reorder_faults(client_for: ClientFactory) -> None:
    async with client_for(app(), DEFAULT_TOKEN) as client:
        await seeded(client, 300)
        clean = b"".join([await export(client, d) for d in DAYS])
        await client.post("/_sim/faults", json={"malformed_rate": 0.3, "duplicate_rate": 0.2,
                                                "reorder": True, "seed": 5})
        faulty = b"".join([await export(client, d) for d in DAYS])
    clean_lines = set(clean.split(b"\r\n"))
    faulty_lines = faulty.split(b"\r\n")
    broken = [line for line in faulty_lines if line not in clean_lines]
    assert len(broken) >= 40
    assert any(b"\xe9" in line for line in broken)  # a byte that is not UTF-8
    assert len(faulty_lines) > len(clean.split(b"\r\n"))  # duplicated lines


async def test_bad_tanggal_token_and_request_faults(client_for: ClientFactory) -> None:
    async with client_for(app(), DEFAULT_TOKEN) as client:
        iso = await client.get("/export.csv", params={"tanggal": "2026-11-20"})
        missing = await client.get("/export.csv")
        await client.post("/_sim/faults", json={"error_rate": 1.0, "error_status": 502})
        failed = await client.get("/export.csv", params={"tanggal": "20/11/2026"})
    async with client_for(app()) as anonymous:
        no_token = await anonymous.get("/export.csv", params={"tanggal": "20/11/2026"})
    assert iso.status_code == missing.status_code == 422
    assert iso.json() == {"detail": "invalid tanggal"}
    assert failed.status_code == 502 and no_token.status_code == 401
