"""Two-way status sync over real HTTP: LAPOR! ⇄ Sikesal and Sambat, echo-free, by policy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.sync_state import SyncIssueRow, SyncStateRow
from hub.ledger.tables import AuditRow, TicketRow
from hub.pipeline import Hub, sync
from hub.reconcile import ReconcileSummary, reconcile
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _states(hub: Hub) -> dict[str, SyncStateRow]:
    with Session(hub.engine) as session:
        return {s.source_id: s for s in session.exec(select(SyncStateRow))}


def _tracking(hub: Hub, channel: str) -> dict[str, str]:
    with Session(hub.engine) as session:
        rows = session.exec(select(TicketRow).where(TicketRow.channel == channel))
        return {r.source_id: r.tracking_id or "" for r in rows}


def _audits(hub: Hub, event: str) -> list[AuditRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(AuditRow).where(AuditRow.event == event)))


def _issues(hub: Hub) -> list[SyncIssueRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(SyncIssueRow)))


def _writes(sandbox: Sandbox) -> dict[str, int]:
    """Every write the hub can make, counted in the simulators' own state."""
    lapor = sum(len(r["tindak_lanjut"]) for r in sandbox.lapor_reports())
    sikesal = sum(r["versi"] for r in sandbox.state("sikesal")["records"])
    sambat = sum(len(r["balasan"]) for r in sandbox.state("sambat")["records"])
    return {"lapor": lapor, "sikesal": sikesal, "sambat": sambat}


async def _round(hub: Hub, channels: list[str]) -> ReconcileSummary:
    await sync(hub, channels)
    return await reconcile(hub, channels)


def _reports(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {r["tracking_id"]: r for r in sandbox.lapor_reports()}


async def test_lapor_verification_and_answer_reach_sikesal_and_quiet_rounds_write_nothing(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 30, 11)
    hub = sandbox.hub(db_url)
    first = await _round(hub, ["sikesal"])
    assert first.new_states == 30 and not first.errors
    states = _states(hub)
    # 'ditolak' maps to bukan_wewenang, LAPOR!'s call: refused, told as text, left disagreeing.
    assert all(s.in_agreement == (s.channel_status != "ditolak") for s in states.values())
    refused = [i for i in _issues(hub) if i.reason == "lapor_authority"]
    assert len(refused) == sum(s.channel_status == "ditolak" for s in states.values())
    sandbox.admin("lapor", "advance", {"n": 30})  # verified: Sikesal 'baru' → 'diproses'
    await _round(hub, ["sikesal"])
    sandbox.admin("lapor", "advance", {"n": 30})
    second = await _round(hub, ["sikesal"])
    assert second.to_channel > 0
    records = {r["id"]: r for r in sandbox.state("sikesal")["records"]}
    reports = _reports(sandbox)
    for source_id, tracking_id in _tracking(hub, "sikesal").items():
        lapor_status = reports[tracking_id]["status"]
        expected = hub.mappings["sikesal"].status.from_lapor[lapor_status]  # type: ignore[index]
        assert records[source_id]["status"] == expected, (source_id, lapor_status)
    notes = sandbox.state("sikesal")["catatan"]
    assert any("ditindaklanjuti" in n for notes_of in notes.values() for n in notes_of)
    await _round(hub, ["sikesal"])  # reads back its own writes: echoes only
    before = _writes(sandbox)
    for _ in range(3):
        quiet = await _round(hub, ["sikesal"])
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _writes(sandbox) == before
