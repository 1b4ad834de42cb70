from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from simulators.faults import ConnectionDropped
from simulators.lapor import DEFAULT_TOKEN, create_app

ClientFactory = Any  # the client_for fixture of conftest.py

pytestmark = pytest.mark.anyio


def laporan(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "judul": "Jalan berlubang di Jl. Sultan Thaha", "isi": "Mohon diperbaiki.",
        "klasifikasi": "pengaduan", "kategori": "1", "instansi_tujuan": "PUPR-1571",
        "lokasi": "Jl. Sultan Thaha", "lat": -1.61, "lng": 103.61,
        "tanggal_kejadian": "2026-11-20T08:00:00+07:00", "rahasia": False, "anonim": False,
        "pelapor": {"nama": "Budi Santoso", "nik": "1571010101900001", "email": None,
                    "telepon": "081234567890", "terverifikasi": True},
        "sumber": "SIKESAL", "ref_eksternal": "SKL-000001", "lampiran": [],
    }
    body.update(overrides)
    return body


async def test_create_returns_ids_and_does_not_deduplicate(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        first = await client.post("/api/v1/laporan", json=laporan())
        second = await client.post("/api/v1/laporan", json=laporan())
        assert first.status_code == second.status_code == 201
        a, b = first.json(), second.json()
        assert a["tracking_id"] != b["tracking_id"]
        # Plain numbers, as LAPOR!'s tracking ids are (#1916449), sent as JSON numbers.
        assert type(a["tracking_id"]) is int and type(a["transaksi_id"]) is int
        assert b["tracking_id"] == a["tracking_id"] + 1
        assert a["status"] == "belum_terverifikasi"
        found = await client.get("/api/v1/laporan",
                                 params={"sumber": "SIKESAL", "ref_eksternal": "SKL-000001"})
        assert [r["tracking_id"] for r in found.json()["data"]] == [a["tracking_id"],
                                                                    b["tracking_id"]]
        state = (await client.get("/_sim/state")).json()
        assert state["count"] == 2 and state["reports"][0]["judul"].startswith("Jalan")


async def test_missing_or_wrong_token_is_401(client_for: ClientFactory) -> None:
    async with client_for(create_app(), "nope") as client:
        response = await client.post("/api/v1/laporan", json=laporan())
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid token"}


async def test_invalid_body_is_422_naming_the_field(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        response = await client.post("/api/v1/laporan", json=laporan(klasifikasi="keluhan",
                                                                      judul=""))
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "klasifikasi") in locs and ("body", "judul") in locs


async def test_anonymous_report_may_come_with_or_without_its_reporter(
        client_for: ClientFactory) -> None:
    # anonim = hidden from the public (LAPOR!'s form); the reporter may still come along.
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        held = await client.post("/api/v1/laporan", json=laporan(anonim=True))
        bare = await client.post("/api/v1/laporan", json=laporan(anonim=True, pelapor=None))
        unknown = await client.post("/api/v1/laporan", json=laporan(kategori="999"))
    assert held.status_code == bare.status_code == 201
    assert unknown.status_code == 422  # not a topic of gettopics
    assert unknown.json()["detail"][0]["loc"] == ["body", "kategori"]


async def test_accept_then_fail_stores_the_report_anyway(client_for: ClientFactory) -> None:
    app = create_app()
    outcomes: list[str] = []
    async with client_for(app, DEFAULT_TOKEN) as client:
        await client.post("/_sim/faults", json={"accept_then_fail_rate": 1.0, "seed": 1})
        for i in range(6):
            try:
                response = await client.post("/api/v1/laporan",
                                             json=laporan(ref_eksternal=f"SKL-{i}"))
                outcomes.append(str(response.status_code))
            except ConnectionDropped:
                outcomes.append("dropped")
        state = (await client.get("/_sim/state")).json()
    assert set(outcomes) == {"502", "dropped"}
    assert state["count"] == 6


async def test_changes_feed_pages_in_order_and_records_follow_ups(
        client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        ids = [(await client.post("/api/v1/laporan", json=laporan(ref_eksternal=f"R{i}"))).json()
               ["tracking_id"] for i in range(3)]
        done = await client.post(f"/api/v1/laporan/{ids[1]}/tindak-lanjut", json={
            "isi": "Sudah ditambal", "status": "selesai", "oleh": "PUPR",
            "waktu": "2026-11-21T09:00:00+07:00"})
        assert done.status_code == 200
        missing = await client.post("/api/v1/laporan/99999999/tindak-lanjut", json={
            "isi": "x", "status": "selesai", "oleh": "PUPR", "waktu": "2026-11-21T09:00:00Z"})
        assert missing.status_code == 404
        first = (await client.get("/api/v1/laporan/perubahan", params={"limit": 2})).json()
        rest = (await client.get("/api/v1/laporan/perubahan",
                                 params={"sejak": first["next_cursor"]})).json()
        empty = (await client.get("/api/v1/laporan/perubahan",
                                  params={"sejak": rest["next_cursor"]})).json()
    changes = first["data"] + rest["data"]
    assert [c["tracking_id"] for c in changes] == [*ids, ids[1]]
    assert changes[-1]["status"] == "selesai"
    assert changes[-1]["tindak_lanjut"][0]["isi"] == "Sudah ditambal"
    cursors = [c["cursor"] for c in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == 4
    assert empty == {"data": [], "next_cursor": rest["next_cursor"]}


async def test_admins_advance_reports_through_statuses(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await client.post("/_sim/seed", json={"n": 2, "seed": 1})
        for _ in range(3):
            await client.post("/_sim/advance", json={"n": 2})
        reports = (await client.get("/_sim/state")).json()["reports"]
        feed = (await client.get("/api/v1/laporan/perubahan", params={"limit": 100})).json()
    assert {r["status"] for r in reports} == {"selesai"}
    assert len(feed["data"]) == 2 + 6


async def test_request_faults_never_touch_admin_routes(client_for: ClientFactory) -> None:
    async with client_for(create_app(), DEFAULT_TOKEN) as client:
        await client.post("/_sim/faults", json={"error_rate": 1.0, "error_status": 500})
        api = await client.get("/api/v1/laporan", params={"sumber": "X"})
        admin = await client.get("/_sim/state")
    assert api.status_code == 500
    assert admin.status_code == 200


async def test_each_app_has_its_own_token_and_state(client_for: ClientFactory) -> None:
    own, other = create_app(token="t"), create_app()
    async with client_for(own, "t") as client, client_for(own, DEFAULT_TOKEN) as stranger:
        created = await client.post("/api/v1/laporan", json=laporan())
        refused = await stranger.post("/api/v1/laporan", json=laporan())
        mine = (await client.get("/_sim/state")).json()
    async with client_for(other, DEFAULT_TOKEN) as client:
        theirs = (await client.get("/_sim/state")).json()
    assert isinstance(own, FastAPI)
    assert (created.status_code, refused.status_code) == (201, 401)
    assert (mine["count"], theirs["count"]) == (1, 0)
