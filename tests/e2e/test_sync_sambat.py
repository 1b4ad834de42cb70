"""Sambat (app, web, SMS) → SIAK → ledger → SP4N-LAPOR! over real HTTP, through the same engine."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from connectors.sambat import SambatClient
from hub.ledger.tables import QuarantineRow, SendState, TicketRow
from hub.sync.pipeline import Hub, sync
from simulators.sambat import DEFAULT_TOKEN
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _ledger(hub: Hub) -> dict[str, TicketRow]:
    with Session(hub.engine) as session:
        rows = session.exec(select(TicketRow).where(TicketRow.channel == "sambat"))
        return {r.source_id: r for r in rows}


def _quarantine(hub: Hub) -> list[QuarantineRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(QuarantineRow).where(QuarantineRow.channel == "sambat")))


def _source(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in sandbox.state("sambat")["records"]}


async def test_app_web_and_sms_reports_reach_lapor_once_bad_ones_quarantined(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sambat", 120, 31, 0.15)
    hub = sandbox.hub(db_url)
    summary = await sync(hub, ["sambat"])
    assert summary.channels["sambat"].error is None
    rows, source = _ledger(hub), _source(sandbox)
    quarantined = _quarantine(hub)
    assert len(rows) + len({q.source_id for q in quarantined}) == 120
    assert all(r.state == SendState.sent for r in rows.values())
    reports = sandbox.lapor_reports()
    assert Counter(r["ref_eksternal"] for r in reports) == Counter({i: 1 for i in rows})
    assert {r["sumber"] for r in reports} == {"SAMBAT-MALANG"}
    assert {q.reason for q in quarantined} == {"schema_violation", "unknown_category",
                                               "invalid_nik"}
    # A bare "Sambat" SMS is quarantined for its text, not dropped.
    empty = [q for q in quarantined if q.reason == "schema_violation"]
    assert empty and all(source[str(q.source_id)]["kanal"] == "sms" for q in empty)
    assert all("$.isi" in q.detail for q in empty)
    assert all(source[str(q.source_id)]["kanal"] == "app"
               for q in quarantined if q.reason == "invalid_nik")
    assert "+62" not in json.dumps([q.detail for q in quarantined])


async def test_sms_reports_go_without_nik_reporter_is_the_number(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 80, 32)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, ["sambat"])
    rows, source = _ledger(hub), _source(sandbox)
    by_ref = {r["ref_eksternal"]: r for r in sandbox.lapor_reports()}
    sms = [i for i in rows if source[i]["kanal"] == "sms"]
    assert sms
    for i in sms:
        report = by_ref[i]
        assert rows[i].identity_status == "not_applicable"
        assert report["pelapor"]["nik"] is None and not report["pelapor"]["terverifikasi"]
        assert report["pelapor"]["telepon"] == source[i]["pengirim"]["no_hp"]
        assert not report["isi"].lower().startswith("sambat")
        assert report["judul"] and len(report["judul"]) <= 100
    residents = [i for i in rows if source[i]["kanal"] != "sms"]
    identity = Counter(rows[i].identity_status for i in residents)
    assert identity["verified"] > len(residents) * 0.8
    assert {by_ref[i]["instansi_tujuan"] for i in rows} <= {
        "DPUPRPKP-KOTA-MALANG", "DISHUB-KOTA-MALANG", "DLH-KOTA-MALANG", "BPBD-KOTA-MALANG",
        "DPMPTSP-KOTA-MALANG", "DISPENDUKCAPIL-KOTA-MALANG"}


async def test_a_report_changed_after_the_last_run_is_read_again_and_nothing_is_doubled(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 40, 33)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, ["sambat"])
    quiet = await sync(hub, ["sambat"])
    assert quiet.channels["sambat"].pulled == 0  # continues after the stored position
    target = next(r for r in _source(sandbox).values() if r["status"] == "masuk")
    async with SambatClient(sandbox.endpoints["sambat"].base_url, SecretStr(DEFAULT_TOKEN),
                            transport="httpx") as sambat:
        await sambat.reply(target["id"], "Sudah diteruskan ke OPD.", "Diskominfo Kota Malang")
    changed = await sync(hub, ["sambat"])
    assert changed.channels["sambat"].pulled == 1 and changed.channels["sambat"].updated == 1
    row = _ledger(hub)[target["id"]]
    assert json.loads(row.payload)["source_status"] == "dijawab"
    assert len(sandbox.lapor_reports()) == 40


async def test_faults_while_paging_lose_nothing(sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 90, 34)
    sandbox.faults("sambat", churn_per_page=3, duplicate_rate=0.3, reorder=True,
                   error_rate=0.2, seed=6)
    hub = sandbox.hub(sqlite_url, page_size=12)
    hub.settings.sambat.max_attempts = 8
    await sync(hub, ["sambat"])
    sandbox.faults("sambat", churn_per_page=0, duplicate_rate=0.0, reorder=False, error_rate=0.0)
    await sync(hub, ["sambat"])
    rows = _ledger(hub)
    truth = {i: r["versi"] for i, r in _source(sandbox).items()}
    assert {i: int(r.source_version) for i, r in rows.items()} == truth
    assert Counter(r["ref_eksternal"] for r in sandbox.lapor_reports()) == Counter(
        {i: 1 for i in truth})
