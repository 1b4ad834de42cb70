"""The Sikesal sandbox: rows of ``laporan`` as the real table holds them, an export paged by id,
the OPD answer script, and the switchable faults."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulators.clock import WIB, LogicalClock
from simulators.population import is_valid_nik, residents
from simulators.sikesal import DEFAULT_TOKEN, create_app
from simulators.sikesal_data import MASALAH, UNKNOWN_MASALAH

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
COLUMNS = {"id_laporan", "id_user", "id_masalah", "id_lokasi", "judul", "isi_laporan",
           "saran_laporan", "tanggapan_dinas", "jenis_pengiriman", "telp_pelapor",
           "tanggal_lapor", "tanggal_selesai", "lat", "lng", "alamat", "foto_laporan",
           "foto_selesai", "status_laporan", "rating", "uuid", "view", "timer"}
JOINED = {"nik", "nama_pelapor", "kelurahan", "kecamatan"}  # the export's joins (assumed)


async def fetch_all(client: Any, limit: int, after: int = 0) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for _ in range(10_000):
        response = await client.get("/api/v1/laporan", params={"limit": limit, "after": after})
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        assert body["last_id"] >= after
        after = body["last_id"]
        if not body["more"]:
            return records
    raise AssertionError("paging never ended")


async def seeded(client: Any, n: int, seed: int = 7, bad_rate: float = 0.0) -> None:
    response = await client.post("/_sim/seed", json={"n": n, "seed": seed, "bad_rate": bad_rate})
    assert response.json() == {"seeded": n}


async def state(client: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = (await client.get("/_sim/state")).json()["records"]
    return records


def wib(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=WIB)


async def test_seeding_is_deterministic(client_for: ClientFactory) -> None:
    states = []
    for _ in range(2):
        async with client_for(create_app(clock=LogicalClock(start=datetime(2026, 11, 20)))) as c:
            await seeded(c, 300)
            states.append((await c.get("/_sim/state")).json())
    assert states[0] == states[1]
    assert states[0]["count"] == 300


async def test_seeded_rows_are_the_real_laporan_columns_and_values(
        client_for: ClientFactory) -> None:
    anchor = datetime(2026, 11, 20, 12, 0, tzinfo=WIB)
    async with client_for(create_app(clock=LogicalClock(start=anchor))) as client:
        await seeded(client, 1000)
        records = await state(client)
    known = {p.nik for p in residents("1571", 7)}
    assert all(set(r) == COLUMNS | JOINED for r in records)
    assert [r["id_laporan"] for r in records] == list(range(1, 1001))  # auto-increment
    assert {r["status_laporan"] for r in records} == {"baru", "tanggapan", "selesai"}
    assert {r["id_masalah"] for r in records} == set(MASALAH)
    assert {r["jenis_pengiriman"] for r in records} == {"sikesal", "website"}
    for r in records:
        assert isinstance(r["id_user"], int) and isinstance(r["id_lokasi"], int)
        assert STAMP.match(r["tanggal_lapor"]), r["tanggal_lapor"]  # naive, no offset
        assert anchor - timedelta(days=30) <= wib(r["tanggal_lapor"]) < anchor
        if r["status_laporan"] == "baru":
            # Not answered yet: NULL, as the row was inserted by the app.
            assert r["tanggapan_dinas"] is None and r["tanggal_selesai"] is None
            assert r["foto_selesai"] is None and r["rating"] is None
        else:
            assert r["tanggapan_dinas"] and r["timer"] == 0
        if r["status_laporan"] == "selesai":
            assert STAMP.match(r["tanggal_selesai"]) and r["foto_selesai"]
            assert wib(r["tanggal_lapor"]) < wib(r["tanggal_selesai"]) < anchor
        else:
            assert r["tanggal_selesai"] is None
        assert r["saran_laporan"] is not None and r["foto_laporan"] is not None  # "" if none
        assert (r["lat"] is None) == (r["lng"] is None)
        if r["lat"] is not None:
            assert -1.66 <= r["lat"] <= -1.58 and 103.56 <= r["lng"] <= 103.66
        assert r["timer"] in (0, 1, 2)
    assert {r["timer"] for r in records if r["status_laporan"] == "baru"} == {0, 1, 2}
    assert any(r["foto_laporan"] == "" for r in records)
    assert any(r["saran_laporan"] == "" for r in records)
    assert all(is_valid_nik(r["nik"]) for r in records)
    assert 5 <= sum(r["nik"] not in known for r in records) <= 60


async def test_bad_rate_spoils_records_at_the_source(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 400, bad_rate=0.25)
        records = await state(client)
    bad = [r for r in records if r["id_masalah"] == UNKNOWN_MASALAH or r["isi_laporan"] == ""
           or not is_valid_nik(r["nik"])]
    assert 60 <= len(bad) <= 140


async def test_paging_by_id_serves_every_record_exactly_once(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 537)
        records = await fetch_all(client, limit=50)
        tail = await fetch_all(client, limit=7, after=500)
    ids = [r["id_laporan"] for r in records]
    assert ids == list(range(1, 538))
    assert [r["id_laporan"] for r in tail] == list(range(501, 538))


async def test_churn_between_pages_never_loses_a_record(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 400)
        before = {r["id_laporan"]: r for r in await state(client)}
        await client.post("/_sim/faults", json={"churn_per_page": 5, "seed": 3})
        records = await fetch_all(client, limit=40)
        await client.post("/_sim/faults", json={"churn_per_page": 0})
        final = await state(client)
    assert sorted(r["id_laporan"] for r in records) == list(range(1, 401))
    moved = [r for r in final if r["status_laporan"] != before[r["id_laporan"]]["status_laporan"]]
    assert moved, "officers answered while the pages were read"
    for r in moved:  # baru → tanggapan → selesai, with what the answer script writes
        assert r["tanggapan_dinas"]
        assert (r["status_laporan"] == "selesai") == (r["tanggal_selesai"] is not None)


async def test_duplicate_fault_repeats_records_of_the_previous_page(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 200)
        await client.post("/_sim/faults", json={"duplicate_rate": 0.2, "seed": 1})
        records = await fetch_all(client, limit=20)
    ids = [r["id_laporan"] for r in records]
    assert len(set(ids)) == 200
    assert len(ids) > 200


async def test_reorder_fault_shuffles_a_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"reorder": True})
        records = await fetch_all(client, limit=100)
    ids = [r["id_laporan"] for r in records]
    assert sorted(ids) != ids and len(set(ids)) == 100


async def test_malformed_fault_breaks_records_and_truncates_bodies(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"malformed_rate": 0.5, "seed": 2})
        truncated = broken = 0
        for _ in range(40):
            response = await client.get("/api/v1/laporan", params={"limit": 10})
            assert response.headers["content-type"] == "application/json"
            try:
                data = response.json()["data"]
            except json.JSONDecodeError:
                truncated += 1
                continue
            clean = (await state(client))[:10]
            broken += sum(1 for r in data if r not in clean)
    assert truncated >= 1
    assert broken >= 40


async def test_request_faults(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await client.post("/_sim/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 0.5})
        limited = await client.get("/api/v1/laporan")
        answer_limited = await client.post("/api/v1/tanggapan", data={"id_user": "1"})
        await client.post("/_sim/faults", json={"rate_limit_rate": 0, "error_rate": 1.0,
                                                "error_status": 502})
        failed = await client.get("/api/v1/laporan")
        await client.post("/_sim/faults", json={"error_rate": 0, "timeout_rate": 1.0,
                                                "hang_s": 0.2, "latency_ms": 50})
        started = datetime.now()
        slow = await client.get("/api/v1/laporan")
        elapsed = (datetime.now() - started).total_seconds()
        bad = await client.post("/_sim/faults", json={"error_status": 418})
        reset = await client.post("/_sim/reset")
        config = (await client.get("/_sim/faults")).json()
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0.5"
    assert answer_limited.status_code == 429
    assert failed.status_code == 502
    assert slow.status_code == 200 and elapsed >= 0.25
    assert bad.status_code == 422
    assert reset.status_code == 200 and config["timeout_rate"] == 0


async def test_the_answer_script_takes_form_fields_and_says_success(
        client_for: ClientFactory) -> None:
    anchor = datetime(2026, 11, 20, 12, 0, tzinfo=WIB)
    async with client_for(create_app(clock=LogicalClock(start=anchor))) as client:
        await seeded(client, 50)
        rid = next(r["id_laporan"] for r in await state(client)
                   if r["status_laporan"] == "baru")

        async def post(**form: str) -> dict[str, Any]:
            response = await client.post("/api/v1/tanggapan", data=form)
            assert response.status_code == 200  # the PHP scripts answer 200 either way
            body: dict[str, Any] = response.json()
            return body

        answered = await post(id_user="42", id_laporan=str(rid), status_laporan="tanggapan",
                              tanggapan_dinas="Petugas akan ke lokasi")
        row = next(r for r in await state(client) if r["id_laporan"] == rid)
        closed = await post(id_user="42", id_laporan=str(rid), status_laporan="selesai")
        done = next(r for r in await state(client) if r["id_laporan"] == rid)
        refusals = [await post(id_user="42", id_laporan="999999", status_laporan="selesai"),
                    await post(id_user="42", id_laporan=str(rid), status_laporan="ditolak"),
                    await post(id_laporan=str(rid), status_laporan="selesai"),
                    await post(id_user="42", id_laporan=str(rid), tanggapan_dinas=" ")]
        log = (await client.get("/_sim/state")).json()["tanggapan"]
    assert answered == {"success": 1, "message": "Tanggapan berhasil dikirim"}
    assert row["status_laporan"] == "tanggapan"
    assert row["tanggapan_dinas"] == "Petugas akan ke lokasi" and row["tanggal_selesai"] is None
    assert closed["success"] == 1
    assert done["status_laporan"] == "selesai" and STAMP.match(done["tanggal_selesai"])
    assert done["tanggapan_dinas"] == "Petugas akan ke lokasi"  # not sent: left as it was
    assert [r["success"] for r in refusals] == [0, 0, 0, 0]
    assert refusals[0]["message"] == "Laporan tidak ditemukan"
    assert [(a["id_laporan"], a["status_laporan"]) for a in log] == [(rid, "tanggapan"),
                                                                     (rid, "selesai")]


async def test_bad_parameters_and_token(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        bad_after = await client.get("/api/v1/laporan", params={"after": "x"})
        negative = await client.get("/api/v1/laporan", params={"after": -1})
        bad_limit = await client.get("/api/v1/laporan", params={"limit": 501})
    async with client_for(create_app()) as anonymous:
        no_token = await anonymous.get("/api/v1/laporan")
    assert bad_after.status_code == negative.status_code == bad_limit.status_code == 422
    assert no_token.status_code == 401
