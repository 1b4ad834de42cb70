"""Two-way status sync over real HTTP: LAPOR! ⇄ Laksa through its (assumed) follow-up endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from hub.ledger.sync_state import SyncIssueRow, SyncStateRow
from hub.ledger.tables import TicketRow
from hub.reconcile.round import reconcile
from hub.reconcile.summary import ReconcileSummary
from hub.sync.pipeline import Hub, sync
from simulators.laksa import DEFAULT_TOKEN as LAKSA_TOKEN
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _states(hub: Hub) -> dict[str, SyncStateRow]:
    with Session(hub.engine) as session:
        return {s.source_id: s for s in session.exec(select(SyncStateRow))}


def _tracking(hub: Hub) -> dict[str, str]:
    with Session(hub.engine) as session:
        rows = session.exec(select(TicketRow).where(TicketRow.channel == "laksa"))
        return {r.source_id: r.tracking_id or "" for r in rows}


def _records(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in sandbox.state("laksa")["records"]}


def _reports(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {r["tracking_id"]: r for r in sandbox.lapor_reports()}


def _writes(sandbox: Sandbox) -> dict[str, int]:
    """Every write the hub can make, counted in the simulators' own state."""
    lapor = sum(len(r["tindak_lanjut"]) for r in sandbox.lapor_reports())
    return {"lapor": lapor, "laksa": sandbox.state("laksa")["tindak_lanjut"]}


def _officer_posts(sandbox: Sandbox, record_id: str, status: str, catatan: str) -> None:
    """An OPD officer follows a report up in Laksa's own application."""
    base = sandbox.endpoints["laksa"].base_url
    httpx.post(f"{base}/api/laporan/{record_id}/tindak-lanjut",
               json={"status": status, "catatan": catatan, "oleh": "Petugas DPUPR"},
               headers={"Authorization": f"Bearer {LAKSA_TOKEN}"}).raise_for_status()


async def _round(hub: Hub) -> ReconcileSummary:
    await sync(hub, ["laksa"])
    return await reconcile(hub, ["laksa"])


async def test_lapor_verification_and_answer_reach_laksa_and_quiet_rounds_write_nothing(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("laksa", 30, 21)
    hub = sandbox.hub(db_url)
    first = await _round(hub)
    assert first.new_states == 30 and not first.errors
    assert all(s.in_agreement for s in _states(hub).values())  # Laksa's statuses map both ways
    tracking = _tracking(hub)
    waiting = [rid for rid, r in _records(sandbox).items() if r["status"] == "menunggu"]
    assert len(waiting) >= 3
    ids = [tracking[rid] for rid in waiting]
    sandbox.admin("lapor", "advance", {"n": len(ids), "tracking_ids": ids})  # verified
    verified = await _round(hub)
    assert verified.to_channel == len(ids) and verified.write_failures == 0
    records = _records(sandbox)
    for rid in waiting:
        (note,) = records[rid]["tindak_lanjut"]
        assert records[rid]["status"] == "proses" and note["status"] == "proses"
        # LAPOR! verifies without a text: the citizen gets the adapter's line, with the id.
        assert "diverifikasi" in note["catatan"] and tracking[rid] in note["catatan"]
    sandbox.admin("lapor", "advance", {"n": len(ids), "tracking_ids": ids})  # tindak_lanjut
    answered = await _round(hub)
    assert answered.to_channel == len(ids)
    records, reports = _records(sandbox), _reports(sandbox)
    for rid in waiting:
        assert reports[tracking[rid]]["status"] == "tindak_lanjut"
        assert records[rid]["status"] == "proses"  # Laksa has one status for both
        # LAPOR!'s admin text is relayed as written.
        assert records[rid]["tindak_lanjut"][-1]["catatan"] == \
            reports[tracking[rid]]["tindak_lanjut"][-1]["isi"]
    states = _states(hub)
    assert all(states[rid].in_agreement for rid in waiting)
    # Reading back its own follow-ups (newer updated_at, the notes it wrote) is an echo.
    before = _writes(sandbox)
    for _ in range(3):
        quiet = await _round(hub)
        assert quiet.to_lapor == quiet.to_channel == quiet.write_failures == 0
    assert _writes(sandbox) == before


async def test_laksa_closure_reaches_lapor_with_the_officers_note_and_is_not_echoed_back(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("laksa", 12, 22)
    hub = sandbox.hub(db_url)
    await _round(hub)
    open_ = [rid for rid, r in _records(sandbox).items() if r["status"] != "selesai"]
    assert open_
    for rid in open_:
        _officer_posts(sandbox, rid, "selesai", f"Laporan {rid} sudah ditangani di lokasi.")
    closed = await _round(hub)
    assert closed.to_lapor == len(open_) and closed.to_channel == 0
    reports, tracking = _reports(sandbox), _tracking(hub)
    for rid in open_:
        report = reports[tracking[rid]]
        assert report["status"] == "selesai"
        # The agency's own words reach LAPOR!, not a generic status line.
        assert report["tindak_lanjut"][-1]["isi"] == f"Laporan {rid} sudah ditangani di lokasi."
    assert all(_states(hub)[rid].in_agreement for rid in open_)
    before = _writes(sandbox)
    assert before["laksa"] == len(open_)  # the officers' notes only: nothing relayed back
    for _ in range(2):
        quiet = await _round(hub)
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _writes(sandbox) == before


async def test_an_uncertain_follow_up_is_recorded_and_never_sent_again(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("laksa", 10, 23)
    hub = sandbox.hub(sqlite_url)
    await _round(hub)
    rid = next(r for r, rec in _records(sandbox).items() if rec["status"] == "menunggu")
    tracking = _tracking(hub)[rid]
    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [tracking]})
    # A 502 after the POST was sent: the note may be in the citizen's app already.
    sandbox.faults("laksa", error_rate=1.0, error_status=502)
    failed = await reconcile(hub, ["laksa"], pull_channels=False)
    assert failed.write_failures == 1 and failed.to_channel == 0
    sandbox.faults("laksa", error_rate=0.0)
    for _ in range(2):
        later = await _round(hub)
        assert later.to_channel == 0
    assert _writes(sandbox)["laksa"] == 0
    with Session(hub.engine) as session:
        issues = list(session.exec(select(SyncIssueRow)))
    assert [i.tracking_id for i in issues if i.reason == "ambiguous_write"] == [tracking]
    # It did not land: Laksa still shows the old status and the ledger says they disagree.
    assert _records(sandbox)[rid]["status"] == "menunggu"
    assert not _states(hub)[rid].in_agreement
