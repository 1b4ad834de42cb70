"""Two-way status sync over real HTTP: LAPOR! ⇄ Sikesal and Sambat, echo-free, by policy."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from hub.core.settings import NotifySystem
from hub.ledger.oversight_tables import NotificationRow
from hub.ledger.sync_queries import sync_status
from hub.ledger.sync_state import SyncIssueRow, SyncStateRow
from hub.ledger.tables import AuditRow, TicketRow
from hub.reconcile.officers import SUCCESSOR
from hub.reconcile.officers_file import load_officers
from hub.reconcile.round import ReconcileSummary, reconcile
from hub.reminders.run import remind_round
from hub.sync.pipeline import Hub, sync
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
    sikesal_state, sambat_state = sandbox.state("sikesal"), sandbox.state("sambat")
    sikesal = len(sikesal_state["tanggapan"])  # every call of the answer script
    notes = sum(a["tanggapan_dinas"] is not None for a in sikesal_state["tanggapan"])
    sambat = sum(len(r["balasan"]) for r in sambat_state["records"])
    return {"lapor": lapor, "lapor_reports": len(sandbox.lapor_reports()), "sikesal": sikesal,
            "sikesal_notes": notes, "sambat": sambat, "sambat_sms": len(sambat_state["sms_keluar"])}


def _agency_sets(sandbox: Sandbox, record_id: str, status: str) -> None:
    """An OPD officer changes a ticket in Sikesal's own application (its answer script)."""
    base = sandbox.endpoints["sikesal"].base_url
    answer = httpx.post(f"{base}/tanggapan", data={"id_user": "501", "id_laporan": record_id,
                                                   "status_laporan": status})
    assert answer.raise_for_status().json()["success"] == 1


def _sikesal(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Sikesal's rows with the hub's source ids (``id_laporan`` as text) and ``status``."""
    return [{**r, "id": str(r["id_laporan"]), "status": r["status_laporan"]}
            for r in sandbox.state("sikesal")["records"]]


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
    # Sikesal has no 'rejected' status: nothing it says is LAPOR!'s call, every ticket agrees.
    assert all(s.in_agreement for s in states.values())
    assert not [i for i in _issues(hub) if i.reason == "lapor_authority"]
    sandbox.admin("lapor", "advance", {"n": 30})  # verified: Sikesal stays 'baru'
    await _round(hub, ["sikesal"])
    sandbox.admin("lapor", "advance", {"n": 30})
    second = await _round(hub, ["sikesal"])
    assert second.to_channel > 0
    records = {r["id"]: r for r in _sikesal(sandbox)}
    reports = _reports(sandbox)
    for source_id, tracking_id in _tracking(hub, "sikesal").items():
        lapor_status = reports[tracking_id]["status"]
        expected = hub.mappings["sikesal"].status.from_lapor[lapor_status]
        assert records[source_id]["status"] == expected, (source_id, lapor_status)
    answers = sandbox.state("sikesal")["tanggapan"]
    assert any("ditindaklanjuti" in (a["tanggapan_dinas"] or "") for a in answers)
    assert {a["id_user"] for a in answers} == {int(hub.settings.sikesal.id_user)}
    before = _writes(sandbox)
    echo = await _round(hub, ["sikesal"])  # reads back its own writes: echoes only
    assert (echo.to_lapor, echo.to_channel) == (0, 0), echo
    assert _writes(sandbox) == before
    for _ in range(3):
        quiet = await _round(hub, ["sikesal"])
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _writes(sandbox) == before
    status = sync_status(hub.engine)
    (row,) = status.channels
    assert row.tickets == 30 and row.agree == sum(s.in_agreement for s in _states(hub).values())
    assert sum(row.pairs.values()) == 30


async def test_lapor_verification_reaches_sambat_citizens_and_sms_senders_by_sms(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sambat", 24, 5)
    hub = sandbox.hub(db_url)
    await _round(hub, ["sambat"])
    fresh = [r for r in sandbox.state("sambat")["records"] if r["status"] == "masuk"]
    assert any(r["kanal"] == "sms" for r in fresh)
    tracking = _tracking(hub, "sambat")
    ids = [tracking[r["id"]] for r in fresh if r["id"] in tracking]
    sandbox.admin("lapor", "advance", {"n": len(ids), "tracking_ids": ids})
    result = await _round(hub, ["sambat"])
    assert result.to_channel >= len(ids)
    records = {r["id"]: r for r in sandbox.state("sambat")["records"]}
    for report in fresh:
        replies = [b["isi"] for b in records[report["id"]]["balasan"]]
        assert any("diverifikasi" in text and tracking[report["id"]] in text for text in replies)
    sms = sandbox.state("sambat")["sms_keluar"]
    sms_reports = {r["id"] for r in fresh if r["kanal"] == "sms"}
    assert sms_reports <= {m["laporan"] for m in sms}
    # Sambat marks a replied report 'dijawab'; reading that back is an echo, not news for LAPOR!.
    before = _writes(sandbox)
    echo = await _round(hub, ["sambat"])
    assert (echo.to_lapor, echo.to_channel) == (0, 0), echo
    assert _writes(sandbox) == before
    for _ in range(2):
        quiet = await _round(hub, ["sambat"])
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _writes(sandbox) == before


async def test_channel_closure_reaches_lapor_and_agency_answers_are_relayed(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 12, 3)
    hub = sandbox.hub(db_url)
    await _round(hub, ["sikesal"])
    records = [r for r in _sikesal(sandbox) if r["status"] == "baru"]
    assert records
    for record in records:
        _agency_sets(sandbox, record["id"], "selesai")
    result = await _round(hub, ["sikesal"])
    assert result.to_lapor == len(records)
    reports = _reports(sandbox)
    tracking = _tracking(hub, "sikesal")
    for record in records:
        report = reports[tracking[record["id"]]]
        assert report["status"] == "selesai"
        assert "SIKESAL-JAMBI: selesai" in report["tindak_lanjut"][-1]["isi"]
    assert all(_states(hub)[r["id"]].in_agreement for r in records)


async def test_conflicts_follow_the_policy_and_are_audited_with_both_values(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 20, 4)
    hub = sandbox.hub(db_url)
    await _round(hub, ["sikesal"])
    baru = [r["id"] for r in _sikesal(sandbox) if r["status"] == "baru"][:2]
    assert len(baru) == 2
    tracking = _tracking(hub, "sikesal")
    authority, forward = baru
    # Both sides move before the next round: LAPOR! refuses one, verifies the other; the
    # agency closes both.
    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [tracking[authority]],
                                       "to": "bukan_wewenang"})
    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [tracking[forward]]})
    for rid in baru:
        _agency_sets(sandbox, rid, "selesai")
    result = await _round(hub, ["sikesal"])
    assert result.conflicts == 2
    records = {r["id"]: r for r in _sikesal(sandbox)}
    reports = _reports(sandbox)
    assert reports[tracking[authority]]["status"] == "bukan_wewenang"
    assert records[authority]["status"] == "selesai"  # LAPOR! decides; Sikesal shows it closed
    assert reports[tracking[forward]]["status"] == "selesai"  # rank only moves forward
    assert records[forward]["status"] == "selesai"
    conflicts = {a.source_id: json.loads(a.detail or "{}") for a in _audits(hub, "sync.conflict")}
    assert conflicts[authority]["lapor"] == "bukan_wewenang"
    assert conflicts[authority]["channel_raw"] == "selesai"
    assert conflicts[authority]["rule"] == "lapor_authority"
    assert conflicts[forward] == {**conflicts[forward], "lapor": "terverifikasi",
                                  "channel": "selesai", "winner": "channel",
                                  "rule": "forward_only"}


async def test_bad_input_is_recorded_with_a_reason_and_never_applied(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("lapor", "seed", {"n": 3, "seed": 1})  # filed on the website, not by the hub
    sandbox.seed("sikesal", 10, 6)
    hub = sandbox.hub(sqlite_url)
    await _round(hub, ["sikesal"])
    diproses = [r["id"] for r in _sikesal(sandbox) if r["status"] == "tanggapan"]
    assert diproses
    _agency_sets(sandbox, diproses[0], "baru")
    before = _writes(sandbox)
    result = await _round(hub, ["sikesal"])
    assert result.to_lapor == result.to_channel == 0
    assert _writes(sandbox) == before
    reasons = {(i.reason, i.tracking_id or i.channel) for i in _issues(hub)}
    assert sum(r == "unknown_ticket" for r, _ in reasons) == 3
    assert ("status_backwards", _tracking(hub, "sikesal")[diproses[0]]) in reasons
    assert not _states(hub)[diproses[0]].in_agreement
    surfaced = sync_status(hub.engine).issues  # what `lapor-hub status` shows
    assert surfaced["lapor: unknown_ticket"] == 3 and surfaced["channel: status_backwards"] == 1


def _officer_of(sandbox: Sandbox, nip: str) -> dict[str, Any]:
    staff = {s["nipBaru"]: s for s in sandbox.state("siasn")["staff"]}
    return staff[nip]


def _notices(hub: Hub) -> list[NotificationRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(NotificationRow).where(
            NotificationRow.level == SUCCESSOR)))


async def test_named_officers_are_checked_and_a_move_hands_tickets_to_the_deputy_once(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 2})
    sandbox.seed("sikesal", 15, 9)
    hub = sandbox.hub(db_url, officer_check_s=0.0,
                      notify=NotifySystem(base_url=sandbox.endpoints["notify"].base_url))
    first = await _round(hub, ["sikesal"])
    assert first.officers_assigned == 15
    states = _states(hub)
    reports = _reports(sandbox)
    dpupr = [s for s in states.values() if s.instansi == "DPUPR-KOTA-JAMBI"]
    assert dpupr
    spec = load_officers(hub.settings.mappings_dir / "officers.yaml").opd["DPUPR-KOTA-JAMBI"]
    old = spec.officers[0]
    assert all(s.officer_nip == old for s in dpupr)  # the named officer, checked by NIP
    assert _officer_of(sandbox, old)["unorIndukId"] == spec.unor_induk_id
    assert all(s.officer_state == "assigned" for s in states.values())
    assert all(old in str(reports[s.tracking_id]["petugas"]) for s in dpupr)
    assert _notices(hub) == []
    sandbox.admin("siasn", "advance", {"nip": old, "kind": "transfer"})  # to another OPD
    moved = await _round(hub, ["sikesal"])
    assert moved.officers_transferred == len(dpupr)
    after = _states(hub)
    assert {after[s.source_id].officer_nip for s in dpupr} == {spec.deputy}
    reports = _reports(sandbox)
    assert all(str(spec.deputy) in str(reports[s.tracking_id]["petugas"]) for s in dpupr)
    audits = _audits(hub, "officer.transferred")
    assert len(audits) == len(dpupr) and old not in (audits[0].detail or "")
    (notice,) = _notices(hub)  # the OPD is told to name a successor
    assert notice.instansi == "DPUPR-KOTA-JAMBI" and notice.recipient == "head:DPUPR-KOTA-JAMBI"
    assert old not in notice.detail and "name a successor" in notice.detail
    before = _writes(sandbox)
    for _ in range(2):
        await _round(hub, ["sikesal"])
    assert _writes(sandbox) == before  # the petugas write is read back as an echo
    assert len(_notices(hub)) == 1  # told once, not every round
    delivered = remind_round(hub)
    assert delivered.delivered >= 1
    received = sandbox.state("notify")["notifications"]
    assert [n["recipient"] for n in received if "name a successor" in n["message"]] == [
        "head:DPUPR-KOTA-JAMBI"]


async def test_when_officer_and_deputy_are_gone_the_unit_head_from_ref_unor_takes_over(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 3})
    sandbox.seed("sikesal", 10, 12)
    hub = sandbox.hub(sqlite_url, officer_check_s=0.0)
    await _round(hub, ["sikesal"])
    state = next(iter(_states(hub).values()))
    spec = load_officers(hub.settings.mappings_dir / "officers.yaml").opd[state.instansi]
    sandbox.admin("siasn", "advance", {"nip": spec.officers[0], "kind": "left"})
    sandbox.admin("siasn", "advance", {"nip": spec.deputy or "", "kind": "no_unit"})
    await _round(hub, ["sikesal"])
    assert _states(hub)[state.source_id].officer_nip == spec.head
    reasons = {i.reason for i in _issues(hub) if state.instansi in i.detail}
    assert {"siasn_officer_left", "siasn_officer_moved"} <= reasons


async def test_siasn_outage_delays_assignment_but_not_the_sync(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 2})
    sandbox.seed("sikesal", 8, 10)
    sandbox.faults("siasn", error_rate=1.0, error_status=503)
    hub = sandbox.hub(sqlite_url, officer_check_s=0.0)
    down = await _round(hub, ["sikesal"])
    assert "siasn" in down.errors and down.officers_assigned == 0
    assert down.new_states == 8
    pending = [s.officer_state for s in _states(hub).values()]
    assert pending == ["pending"] * 8
    sandbox.faults("siasn", error_rate=0.0)
    sandbox.admin("siasn", "expire_tokens")  # the cached tokens are dead: refetched on 401
    up = await _round(hub, ["sikesal"])
    assert up.officers_assigned == 8 and "siasn" not in up.errors
    assert sandbox.state("siasn")["tokens_issued"]["sso"] >= 1


async def test_a_missing_sso_account_is_a_clear_error_and_assignment_waits(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 6, 13)
    base = sandbox.settings(sqlite_url).siasn
    hub = sandbox.hub(sqlite_url, officer_check_s=0.0, siasn=base.model_copy(
        update={"sso_username": "", "sso_password": None}))
    result = await _round(hub, ["sikesal"])
    assert "no SSO token" in result.errors["siasn"]
    assert all(s.officer_state == "pending" for s in _states(hub).values())
    assert sandbox.state("siasn")["calls"] == {}  # nothing was sent with one token only
