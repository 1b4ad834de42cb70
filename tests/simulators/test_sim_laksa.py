from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simulators.clock import LogicalClock
from simulators.laksa import DEFAULT_TOKEN, create_app
from simulators.population import is_valid_nik, residents

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
KNOWN_TAGS = {"jalanrusak", "sampah", "lampumati", "pju", "banjir", "drainase", "pohontumbang",
              "parkirliar", "pkl"}
LATLNG = re.compile(r"^-?\d+\.\d+,-?\d+\.\d+$")


async def fetch_all(client: Any, page_size: int, sort: str = "-updated_at"
                    ) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for page in range(1, 10_000):
        response = await client.get("/api/laporan",
                                    params={"page": page, "page_size": page_size, "sort": sort})
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        if page * page_size >= body["total"]:
            return records
    raise AssertionError("paging never ended")


async def seeded(client: Any, n: int, seed: int = 7, bad_rate: float = 0.0) -> None:
    response = await client.post("/_sim/seed", json={"n": n, "seed": seed, "bad_rate": bad_rate})
    assert response.json() == {"seeded": n}


async def state(client: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = (await client.get("/_sim/state")).json()["records"]
    return records


async def test_seeding_is_deterministic(client_for: ClientFactory) -> None:
    states = []
    for _ in range(2):
        async with client_for(create_app(clock=LogicalClock(start=datetime(2026, 11, 20)))) as c:
            await seeded(c, 300)
            states.append(await state(c))
    assert states[0] == states[1] and len(states[0]) == 300


async def test_seeded_reports_look_like_tangerang_posts(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 1000)
        records = await state(client)
    known = {p.nik for p in residents("3671", 7)}
    reporters = [r["pelapor"] for r in records]
    assert all(is_valid_nik(p["nik"]) and p["nik"].startswith("3671") for p in reporters)
    assert 5 <= sum(p["nik"] not in known for p in reporters) <= 60
    assert {r["status"] for r in records} == {"menunggu", "proses", "selesai"}
    with_gps = [r["koordinat"] for r in records if r["koordinat"] is not None]
    assert 900 <= len(with_gps) < 1000 and all(LATLNG.match(c) for c in with_gps)
    for coords in with_gps:
        lat, lng = (float(x) for x in coords.split(","))
        assert -6.25 <= lat <= -6.13 and 106.58 <= lng <= 106.72
    for r in records:
        assert isinstance(r["updated_at"], int) and r["created_at"] <= r["updated_at"]
    stamps = [r["updated_at"] for r in records]
    assert len(set(stamps)) == len(stamps) and stamps == sorted(stamps)


async def test_hashtag_habits_cover_every_routing_case(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 1000)
        records = await state(client)
    cases: Counter[str] = Counter()
    for r in records:
        tags = [t.lower() for t in re.findall(r"#(\w+)", r["isi"])]
        known = [t for t in tags if t in KNOWN_TAGS]
        cases["none" if not tags else "unknown" if not known else
              "several" if len(known) > 1 else "one"] += 1
        if known and len(known) < len(tags):
            cases["mixed"] += 1
    assert 600 <= cases["one"] <= 800
    assert 40 <= cases["several"] <= 150
    assert 50 <= cases["none"] <= 160
    assert 60 <= cases["unknown"] <= 200
    assert cases["mixed"] >= 100  # a city tag beside the topic tag


async def test_bad_rate_spoils_nik_text_and_coordinates(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        await seeded(client, 400, bad_rate=0.25)
        records = await state(client)
    flaws = Counter(
        "nik" if not is_valid_nik(r["pelapor"]["nik"]) else
        "isi" if not str(r.get("isi", "")).strip() else
        "koordinat" if r["koordinat"] is not None and not LATLNG.match(r["koordinat"]) else "ok"
        for r in records)
    assert 60 <= 400 - flaws["ok"] <= 140
    assert flaws["nik"] and flaws["isi"] and flaws["koordinat"]


@pytest.mark.parametrize("sort", ["updated_at", "-updated_at"])
async def test_paging_serves_every_record_once_in_order(client_for: ClientFactory,
                                                        sort: str) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 237)
        records = await fetch_all(client, page_size=50, sort=sort)
    ids = [r["id"] for r in records]
    assert len(ids) == 237 == len(set(ids))
    keys = [(r["updated_at"], r["id"]) for r in records]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


async def test_churn_skips_records_oldest_first_but_only_repeats_them_newest_first(
        client_for: ClientFactory) -> None:
    """Why the hub pages newest first: the sandbox reproduces page-number drift faithfully.

    A record missed newest first is one that changed during the scan (it jumped above the pages
    already read, with a stamp newer than anything at the start): the next run reads it. Oldest
    first also misses records that never changed: those are lost.
    """
    lost: dict[str, set[int]] = {}
    for sort in ("updated_at", "-updated_at"):
        async with client_for(create_app(), DEFAULT_TOKEN) as client:
            await seeded(client, 400)
            start = {r["id"]: r["updated_at"] for r in await state(client)}
            await client.post("/_sim/faults", json={"churn_per_page": 5, "seed": 3})
            seen = {r["id"] for r in await fetch_all(client, page_size=40, sort=sort)}
            final = {r["id"]: r["updated_at"] for r in await state(client)}
        missed = set(start) - seen
        assert all(final[i] != start[i] for i in missed) or sort == "updated_at"
        assert all(final[i] > max(start.values()) for i in missed if final[i] != start[i])
        lost[sort] = {i for i in missed if final[i] == start[i]}
    assert lost["updated_at"], "oldest first must lose unchanged records to churn"
    assert not lost["-updated_at"]


async def test_churn_gives_distinct_newer_stamps_and_moves_status_on(
        client_for: ClientFactory, pinned_clock: LogicalClock) -> None:
    async with client_for(create_app(clock=pinned_clock), DEFAULT_TOKEN) as client:
        await seeded(client, 50)
        old = {r["id"]: r for r in await state(client)}
        await client.post("/_sim/faults", json={"churn_per_page": 10, "seed": 1})
        await client.get("/api/laporan", params={"page_size": 5})
        new = await state(client)
    changed = [r for r in new if r["updated_at"] != old[r["id"]]["updated_at"]]
    assert len(changed) == 10
    assert all(r["updated_at"] > max(o["updated_at"] for o in old.values()) for r in changed)
    assert len({r["updated_at"] for r in new}) == 50  # same pinned instant, distinct ms
    assert any(r["status"] != old[r["id"]]["status"] for r in changed)


async def test_duplicate_fault_repeats_records_on_top_of_the_next_page(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 200)
        await client.post("/_sim/faults", json={"duplicate_rate": 0.2, "seed": 1})
        records = await fetch_all(client, page_size=20)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == 200 and len(ids) > 200


async def test_reorder_fault_shuffles_a_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"reorder": True})
        records = await fetch_all(client, page_size=100)
    stamps = [r["updated_at"] for r in records]
    assert sorted(stamps, reverse=True) != stamps and len({r["id"] for r in records}) == 100


async def test_malformed_fault_breaks_records_and_truncates_bodies(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"malformed_rate": 0.5, "seed": 2})
        clean = await state(client)
        truncated = broken = 0
        for _ in range(40):
            response = await client.get("/api/laporan", params={"page_size": 10})
            try:
                data = response.json()["data"]
            except json.JSONDecodeError:
                truncated += 1
                continue
            broken += sum(1 for r in data if r not in clean)
    assert truncated >= 1 and broken >= 40


async def test_request_faults_and_parameter_errors(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await client.post("/_sim/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 0.5})
        limited = await client.get("/api/laporan")
        await client.post("/_sim/faults", json={"rate_limit_rate": 0, "error_rate": 1.0,
                                                "error_status": 502})
        failed = await client.get("/api/laporan")
        await client.post("/_sim/reset")
        bad = [await client.get("/api/laporan", params=p) for p in
               ({"page": 0}, {"page_size": 201}, {"sort": "created_at"})]
        beyond = await client.get("/api/laporan", params={"page": 99})
    async with client_for(create_app()) as anonymous:
        no_token = await anonymous.get("/api/laporan")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0.5"
    assert failed.status_code == 502
    assert [r.status_code for r in bad] == [422, 422, 422]
    assert beyond.json() == {"data": [], "page": 99, "page_size": 50, "total": 0}
    assert no_token.status_code == 401


async def follow_up(client: Any, rid: Any, body: dict[str, Any]) -> Any:
    return await client.post(f"/api/laporan/{rid}/tindak-lanjut", json=body)


async def test_follow_up_sets_status_keeps_the_note_and_moves_the_report_to_the_newest_end(
        client_for: ClientFactory, pinned_clock: LogicalClock) -> None:
    from jsonschema import Draft202012Validator

    async with client_for(create_app(clock=pinned_clock), DEFAULT_TOKEN) as client:
        await seeded(client, 30)
        before = await state(client)
        target = next(r for r in before if r["status"] == "menunggu")
        body = {"status": "proses", "catatan": "Sudah dicek petugas DPUPR.", "oleh": "DPUPR"}
        first = await follow_up(client, target["id"], body)
        second = await follow_up(client, target["id"], {**body, "status": "selesai",
                                                         "catatan": "Lubang sudah ditambal."})
        newest = (await client.get("/api/laporan", params={"page_size": 1})).json()["data"]
        sim = (await client.get("/_sim/state")).json()
    assert first.status_code == second.status_code == 200
    record = second.json()
    assert record["status"] == "selesai" and newest == [record]
    assert [(t["status"], t["catatan"], t["oleh"]) for t in record["tindak_lanjut"]] == [
        ("proses", "Sudah dicek petugas DPUPR.", "DPUPR"), ("selesai", "Lubang sudah ditambal.",
                                                           "DPUPR")]
    # Same pinned instant every time: still a distinct, newer stamp for each update.
    stamps = [t["waktu"] for t in record["tindak_lanjut"]]
    assert max(r["updated_at"] for r in before) < stamps[0] < stamps[1] == record["updated_at"]
    assert first.json()["updated_at"] == stamps[0]
    assert sim["tindak_lanjut"] == 2 and len({r["updated_at"] for r in sim["records"]}) == 30
    # Only the report followed up gains the list: the others are served exactly as seeded.
    assert [r for r in sim["records"] if r["id"] != target["id"]] == \
        [r for r in before if r["id"] != target["id"]]
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "laksa.raw.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(record))


async def test_follow_up_refuses_unknown_ids_bad_bodies_and_missing_tokens(
        client_for: ClientFactory) -> None:
    good = {"status": "proses", "catatan": "Ditindaklanjuti.", "oleh": "DLH"}
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 5)
        unknown = await follow_up(client, 99999, good)
        bad = [await follow_up(client, 10001, b) for b in (
            {**good, "status": "ditolak"}, {**good, "catatan": "  "}, {**good, "oleh": ""},
            {"status": "proses", "oleh": "DLH"}, {**good, "extra": 1})]
        not_a_number = await follow_up(client, "abc", good)
        await client.post("/_sim/faults", json={"error_rate": 1.0, "error_status": 503})
        failed = await follow_up(client, 10001, good)
        await client.post("/_sim/faults", json={"error_rate": 0})
        writes = (await client.get("/_sim/state")).json()["tindak_lanjut"]
    async with client_for(create_app()) as anonymous:
        no_token = await follow_up(anonymous, 10001, good)
    assert unknown.status_code == 404
    assert [r.status_code for r in bad] == [422] * 5 and not_a_number.status_code == 422
    assert failed.status_code == 503 and no_token.status_code == 401
    assert writes == 0  # nothing refused was stored
