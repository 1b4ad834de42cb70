"""Sambat simulator: the since_id changelog feed, SMS shapes, replies, faults."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest

from simulators.clock import LogicalClock
from simulators.population import is_valid_nik, residents
from simulators.sambat import DEFAULT_TOKEN, create_app

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
KATEGORI = {"jalan", "PJU", "sampah", "drainase", "banjir", "pohon tumbang", "parkir",
            "perizinan", "administrasi kependudukan"}
SMS_TEXT = re.compile(r"^sambat\s+\S", re.IGNORECASE)


async def fetch_all(client: Any, limit: int, since_id: int | None = None
                    ) -> tuple[list[dict[str, Any]], int]:
    records: list[dict[str, Any]] = []
    position = since_id
    for _ in range(10_000):
        query = {"limit": limit, **({"since_id": position} if position is not None else {})}
        response = await client.get("/api/sambat", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        position = body["last_id"]
        if not body["more"]:
            return records, body["last_id"]
    raise AssertionError("paging never ended")


async def seeded(client: Any, n: int, seed: int = 7, bad_rate: float = 0.0) -> list[Any]:
    response = await client.post("/_sim/seed", json={"n": n, "seed": seed, "bad_rate": bad_rate})
    assert response.json() == {"seeded": n}
    records: list[Any] = (await client.get("/_sim/state")).json()["records"]
    return records


async def test_seeding_is_deterministic(client_for: ClientFactory) -> None:
    states = []
    for _ in range(2):
        async with client_for(create_app(clock=LogicalClock(start=datetime(2026, 11, 20)))) as c:
            await seeded(c, 300)
            states.append((await c.get("/_sim/state")).json())
    assert states[0] == states[1] and states[0]["count"] == 300


async def test_app_and_web_reporters_are_malang_residents_sms_only_a_number(
        client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        records = await seeded(client, 1000)
    known = {p.nik for p in residents("3573", 7)}
    assert {r["kategori"] for r in records} == KATEGORI
    assert {r["kanal"] for r in records} == {"app", "web", "sms"}
    sms = [r for r in records if r["kanal"] == "sms"]
    assert 200 <= len(sms) <= 400
    for r in sms:
        assert set(r["pengirim"]) == {"no_hp"} and r["pengirim"]["no_hp"].startswith("+62")
        assert SMS_TEXT.match(r["isi"]) and r["lokasi"] is None
    residents_ = [r for r in records if r["kanal"] != "sms"]
    assert all(is_valid_nik(r["pengirim"]["nik"]) and r["pengirim"]["nama"] for r in residents_)
    assert 0 < sum(r["pengirim"]["nik"] not in known for r in residents_) <= 60
    assert all(r["lokasi"]["lat"] is not None for r in records if r["kanal"] == "app")
    assert all(r["lokasi"]["lat"] is None for r in records if r["kanal"] == "web")
    answered = [r for r in records if r["status"] in ("dijawab", "selesai")]
    assert answered and all(r["balasan"] for r in answered)


async def test_bad_rate_spoils_records_at_the_source(client_for: ClientFactory) -> None:
    async with client_for(create_app()) as client:
        records = await seeded(client, 400, bad_rate=0.25)
    empty_sms = [r for r in records if r["kanal"] == "sms" and not SMS_TEXT.match(r["isi"])]
    bad_nik = [r for r in records if r["kanal"] == "app" and not is_valid_nik(r["pengirim"]["nik"])]
    unknown = [r for r in records if r["kategori"] not in KATEGORI]
    assert empty_sms and bad_nik and unknown
    assert 60 <= len(empty_sms) + len(bad_nik) + len(unknown) <= 140


async def test_feed_serves_every_report_once_in_feed_order(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 537)
        records, last_id = await fetch_all(client, limit=50)
        tail, again = await fetch_all(client, limit=50, since_id=last_id)
    ids = [r["id"] for r in records]
    assert len(ids) == 537 == len(set(ids))
    feed_ids = [r["feed_id"] for r in records]
    assert feed_ids == sorted(feed_ids) and last_id == feed_ids[-1]
    assert tail == [] and again == last_id  # the position is kept on an empty last page


async def test_a_changed_report_comes_again_after_the_position(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 30)
        first, position = await fetch_all(client, limit=100)
        target = first[0]
        await client.post(f"/api/sambat/{target['id']}/balasan",
                          json={"isi": "Sedang kami tangani.", "oleh": "DPUPRPKP"})
        changed, _ = await fetch_all(client, limit=100, since_id=position)
        state = (await client.get("/_sim/state")).json()
    assert [r["id"] for r in changed] == [target["id"]]
    assert changed[0]["versi"] == target["versi"] + 1 and changed[0]["feed_id"] > position
    # Compacted: the old entry is gone, the report is in the feed once.
    assert [r["id"] for r in state["records"]].count(target["id"]) == 1


async def test_churn_between_pages_never_loses_a_change(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 400)
        await client.post("/_sim/faults", json={"churn_per_page": 5, "seed": 3})
        records, position = await fetch_all(client, limit=40)
        await client.post("/_sim/faults", json={"churn_per_page": 0})
        rest, _ = await fetch_all(client, limit=40, since_id=position)
        final = (await client.get("/_sim/state")).json()["records"]
    latest: dict[str, int] = {}
    for r in records + rest:
        latest[r["id"]] = r["versi"]
    assert len(records) > 400  # churned reports came round again
    assert latest == {r["id"]: r["versi"] for r in final}


async def test_reply_to_an_sms_report_texts_the_sender(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        records = await seeded(client, 60)
        sms = next(r for r in records if r["kanal"] == "sms")
        app = next(r for r in records if r["kanal"] == "app")
        body = {"isi": "Lubang sudah ditambal, terima kasih.", "oleh": "DPUPRPKP Kota Malang"}
        answered = await client.post(f"/api/sambat/{sms['id']}/balasan", json=body)
        await client.post(f"/api/sambat/{app['id']}/balasan", json=body)
        missing = await client.post("/api/sambat/SBT-999999/balasan", json=body)
        path = f"/api/sambat/{sms['id']}/balasan"
        empty = await client.post(path, json={"isi": " ", "oleh": "x"})
        extra = await client.post(path, json={**body, "x": 1})
        state = (await client.get("/_sim/state")).json()
    assert answered.status_code == 201
    reply = answered.json()
    assert reply["balasan"][-1]["isi"] == body["isi"] and reply["versi"] == sms["versi"] + 1
    assert reply["status"] == ("selesai" if sms["status"] == "selesai" else "dijawab")
    assert [m["ke"] for m in state["sms_keluar"]] == [sms["pengirim"]["no_hp"]]
    assert body["isi"] in state["sms_keluar"][0]["isi"]
    assert (missing.status_code, empty.status_code, extra.status_code) == (404, 422, 422)


async def test_duplicate_fault_repeats_records_on_the_next_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 200)
        await client.post("/_sim/faults", json={"duplicate_rate": 0.2, "seed": 1})
        records, _ = await fetch_all(client, limit=20)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == 200 and len(ids) > 200


async def test_reorder_fault_shuffles_a_page(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 100)
        await client.post("/_sim/faults", json={"reorder": True})
        records, last_id = await fetch_all(client, limit=100)
    feed_ids = [r["feed_id"] for r in records]
    assert sorted(feed_ids) != feed_ids and last_id == max(feed_ids) == 100


async def test_malformed_fault_breaks_records_and_truncates_bodies(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        clean = await seeded(client, 100)
        await client.post("/_sim/faults", json={"malformed_rate": 0.5, "seed": 2})
        truncated = broken = 0
        for _ in range(40):
            response = await client.get("/api/sambat", params={"limit": 10})
            try:
                data = response.json()["data"]
            except json.JSONDecodeError:
                truncated += 1
                continue
            broken += sum(1 for r in data if r not in clean[:10])
    assert truncated >= 1 and broken >= 40


async def test_request_faults_bad_position_and_token(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await seeded(client, 5)
        ahead = await client.get("/api/sambat", params={"since_id": 6})
        negative = await client.get("/api/sambat", params={"since_id": -1})
        await client.post("/_sim/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 0.5})
        limited = await client.get("/api/sambat")
        await client.post("/_sim/faults", json={"rate_limit_rate": 0, "error_rate": 1.0,
                                                "error_status": 502})
        failed = await client.get("/api/sambat")
        admin = await client.get("/_sim/state")
    async with client_for(create_app()) as anonymous:
        no_token = await anonymous.get("/api/sambat")
    assert ahead.status_code == 422 and ahead.json() == {"detail": "invalid since_id"}
    assert negative.status_code == 422
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0.5"
    assert failed.status_code == 502 and admin.status_code == 200
    assert no_token.status_code == 401
