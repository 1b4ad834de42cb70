"""Simtramtibum (daily CSV) → ledger → SP4N-LAPOR! over real HTTP: staff reports by NIP reach
Satpol PP once, broken CSV lines are quarantined with the line, later changes are read again."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.tables import QuarantineRow, SendState, TicketRow
from hub.sync.pipeline import Hub, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
CHANNEL = "simtramtibum"


def _ledger(hub: Hub) -> list[TicketRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(TicketRow).where(TicketRow.channel == CHANNEL)))


def _open_quarantine(hub: Hub) -> list[QuarantineRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(QuarantineRow).where(
            QuarantineRow.channel == CHANNEL, QuarantineRow.resolved_at == None)))  # noqa: E711


def _reports(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sandbox.lapor_reports() if r["sumber"] == "SIMTRAMTIBUM-PEKALONGAN"]


async def test_staff_reports_reach_satpol_pp_once_without_their_nip(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed(CHANNEL, 70, 31, 0.1)
    hub = sandbox.hub(db_url)
    summary = await sync(hub, [CHANNEL])
    channel = summary.channels[CHANNEL]
    assert channel.error is None and channel.pulled == 70
    rows, quarantined = _ledger(hub), _open_quarantine(hub)
    assert quarantined and channel.sent == len(rows) == 70 - len(quarantined)
    assert {q.reason for q in quarantined} <= {"schema_violation", "unknown_category"}
    assert all(r.state == SendState.sent for r in rows)
    reports = _reports(sandbox)
    assert Counter(r["ref_eksternal"] for r in reports) == Counter({r.source_id: 1 for r in rows})
    assert {r["instansi_tujuan"] for r in reports} == {"SATPOLPP-KOTA-PEKALONGAN",
                                                       "DISHUB-KOTA-PEKALONGAN"}
    assert {r["kategori"] for r in reports} == {"4"}  # Ketentraman dan Ketertiban Umum
    nips = {r["nip_pelapor"] for r in sandbox.state(CHANNEL)["records"]}
    for report in reports:
        pelapor = report["pelapor"]
        assert pelapor["nama"] and pelapor["nik"] is None and not pelapor["terverifikasi"]
        assert not any(nip in json.dumps(report) for nip in nips)


async def test_changes_after_a_sync_are_read_again_and_nothing_is_doubled(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed(CHANNEL, 60, 32)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, [CHANNEL])
    sandbox.faults(CHANNEL, churn_per_page=4, duplicate_rate=0.3, reorder=True, seed=7)
    await sync(hub, [CHANNEL])  # reads yesterday and today: churned reports are there
    sandbox.faults(CHANNEL, churn_per_page=0, duplicate_rate=0.0, reorder=False)
    again = await sync(hub, [CHANNEL])
    source = {r["no_laporan"]: int(r["revisi"]) for r in sandbox.state(CHANNEL)["records"]}
    assert {r.source_id: int(r.source_version) for r in _ledger(hub)} == source
    assert again.channels[CHANNEL].pulled < 60  # not a re-read of every day
    assert max(Counter(r["ref_eksternal"] for r in _reports(sandbox)).values()) == 1


async def test_broken_csv_lines_are_quarantined_with_the_line(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed(CHANNEL, 60, 33)
    sandbox.faults(CHANNEL, malformed_rate=0.3, seed=8)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, [CHANNEL])
    quarantined = _open_quarantine(hub)
    broken = [json.loads(q.raw) for q in quarantined if q.schema_path
              and q.schema_path.endswith("_galat/not")]
    assert broken and all(b["_teks"] and b["_galat"] and b["_baris"] >= 2 for b in broken)
    assert {q.reason for q in quarantined} <= {"schema_violation", "bad_value"}
    assert not any(str(b["_galat"]).isdigit() or "Kasi" in b["_galat"] for b in broken)
    missing = {r["no_laporan"] for r in sandbox.state(CHANNEL)["records"]} - {
        r.source_id for r in _ledger(hub)}
    assert missing <= {q.source_id for q in quarantined}
