from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from simulators.clock import LogicalClock
from simulators.population import is_valid_nik, residents
from simulators.sikesal import DEFAULT_TOKEN, create_app

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
KATEGORI = {"jalan", "lampu_jalan", "drainase", "sampah", "banjir", "pohon_tumbang", "parkir_liar"}


async def fetch_all(client: Any, limit: int, **params: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/pengaduan", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return records
    raise AssertionError("paging never ended")


async def seeded(client: Any, n: int, seed: int = 7, bad_rate: float = 0.0) -> None:
    response = await client.post("/_sim/seed", json={"n": n, "seed": seed, "bad_rate": bad_rate})
    assert response.json() == {"seeded": n}


async def test_seeding_is_deterministic(client_for: ClientFactory) -> None:
    states = []
    for _ in range(2):
        async with client_for(create_app(clock=LogicalClock(start=datetime(2026, 11, 20)))) as c:
            await seeded(c, 300)
            states.append((await c.get("/_sim/state")).json())
    assert states[0] == states[1]
    assert states[0]["count"] == 300


async def test_seeded_records_look_like_jambi_complaints(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 1000)
        records = (await client.get("/_sim/state")).json()["records"]
    known = {p.nik for p in residents("1571", 7)}
    assert {r["kategori"] for r in records} == KATEGORI
    assert {r["jenis"] for r in records} == {"darurat", "penting", "biasa"}
    anonim = [r for r in records if r["anonim"]]
    assert 20 <= len(anonim) <= 90 and all(r["pelapor"] is None for r in anonim)
    assert 10 <= sum(r["rahasia"] for r in records) <= 60
    reporters = [r["pelapor"] for r in records if r["pelapor"]]
    unknown = [p for p in reporters if p["nik"] not in known]
    assert all(is_valid_nik(p["nik"]) for p in reporters)
    assert 5 <= len(unknown) <= 60
    for r in records:
        assert -1.66 <= r["lokasi"]["lat"] <= -1.58 and 103.56 <= r["lokasi"]["lng"] <= 103.66
        assert r["diperbarui_pada"].endswith("+07:00") and "." in r["diperbarui_pada"]
        assert r["dibuat_pada"] <= r["diperbarui_pada"]
    stamps = [r["diperbarui_pada"] for r in records]
    assert len(set(stamps)) == len(stamps)


async def test_bad_rate_spoils_records_at_the_source(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 400, bad_rate=0.25)
        records = (await client.get("/_sim/state")).json()["records"]
    bad = [r for r in records if r["kategori"] == "lainnya" or r["isi"] == ""
           or (r["pelapor"] and not is_valid_nik(r["pelapor"]["nik"]))]
    assert 60 <= len(bad) <= 140


async def test_paging_serves_every_record_exactly_once(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 537)
        records = await fetch_all(client, limit=50)
    ids = [r["id"] for r in records]
    assert len(ids) == 537 == len(set(ids))
    keys = [(datetime.fromisoformat(r["diperbarui_pada"]), r["id"]) for r in records]
    assert keys == sorted(keys)


async def test_updated_since_is_inclusive(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        everything = await fetch_all(client, limit=500)
        pivot = everything[60]["diperbarui_pada"]
        tail = await fetch_all(client, limit=7, updated_since=pivot)
    assert [r["id"] for r in tail] == [r["id"] for r in everything[60:]]


async def test_churn_between_pages_never_loses_a_record(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 400)
        await client.post("/_sim/faults", json={"churn_per_page": 5, "seed": 3})
        records = await fetch_all(client, limit=40)
        await client.post("/_sim/faults", json={"churn_per_page": 0})
        final = (await client.get("/_sim/state")).json()["records"]
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        latest[r["id"]] = r
    assert len(latest) == 400
    assert len(records) > 400  # churned records came round again
    # Every record's newest version, as the store holds it after paging, was seen.
    changed_after_last_page = {r["id"] for r in final if latest[r["id"]]["versi"] != r["versi"]}
    assert len(changed_after_last_page) <= 5


async def test_duplicate_fault_repeats_records_on_the_next_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 200)
        await client.post("/_sim/faults", json={"duplicate_rate": 0.2, "seed": 1})
        records = await fetch_all(client, limit=20)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == 200
    assert len(ids) > 200


async def test_reorder_fault_shuffles_a_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"reorder": True})
        records = await fetch_all(client, limit=100)
    stamps = [r["diperbarui_pada"] for r in records]
    assert sorted(stamps) != stamps and len(set(r["id"] for r in records)) == 100


async def test_malformed_fault_breaks_records_and_truncates_bodies(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"malformed_rate": 0.5, "seed": 2})
        truncated = broken = 0
        for _ in range(40):
            response = await client.get("/api/v1/pengaduan", params={"limit": 10})
            assert response.headers["content-type"] == "application/json"
            try:
                data = response.json()["data"]
            except json.JSONDecodeError:
                truncated += 1
                continue
            clean = (await client.get("/_sim/state")).json()["records"][:10]
            broken += sum(1 for r in data if r not in clean)
    assert truncated >= 1
    assert broken >= 40


async def test_request_faults(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await client.post("/_sim/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 0.5})
        limited = await client.get("/api/v1/pengaduan")
        await client.post("/_sim/faults", json={"rate_limit_rate": 0, "error_rate": 1.0,
                                                "error_status": 502})
        failed = await client.get("/api/v1/pengaduan")
        await client.post("/_sim/faults", json={"error_rate": 0, "timeout_rate": 1.0,
                                                "hang_s": 0.2, "latency_ms": 50})
        started = datetime.now()
        slow = await client.get("/api/v1/pengaduan")
        elapsed = (datetime.now() - started).total_seconds()
        bad = await client.post("/_sim/faults", json={"error_status": 418})
        reset = await client.post("/_sim/reset")
        config = (await client.get("/_sim/faults")).json()
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0.5"
    assert failed.status_code == 502
    assert slow.status_code == 200 and elapsed >= 0.25
    assert bad.status_code == 422
    assert reset.status_code == 200 and config["timeout_rate"] == 0


async def test_patch_moves_the_record_to_the_end(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 50)
        first = (await fetch_all(client, limit=50))[0]
        patched = await client.patch(f"/api/v1/pengaduan/{first['id']}",
                                     json={"status": "selesai", "catatan": "Sudah ditambal"})
        missing = await client.patch("/api/v1/pengaduan/SKL-999999", json={"status": "selesai"})
        after = await fetch_all(client, limit=50)
    assert patched.status_code == 200
    assert patched.json()["versi"] == first["versi"] + 1
    assert after[-1]["id"] == first["id"] and after[-1]["status"] == "selesai"
    assert missing.status_code == 404


async def test_bad_cursor_and_token(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        bad_cursor = await client.get("/api/v1/pengaduan", params={"cursor": "!!!"})
        bad_limit = await client.get("/api/v1/pengaduan", params={"limit": 501})
    async with client_for(create_app()) as anonymous:
        no_token = await anonymous.get("/api/v1/pengaduan")
    assert bad_cursor.status_code == 422 and bad_limit.status_code == 422
    assert no_token.status_code == 401
