"""Sikesal → SIAK → ledger → SP4N-LAPOR! over real HTTP: every guarantee of the walking skeleton."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from hub.core.clients import lapor_client
from hub.core.models import IdentityStatus
from hub.identity.dukcapil import IdentityOutcome
from hub.ledger.claims import claim_batch
from hub.ledger.queries import state_counts
from hub.ledger.tables import QuarantineRow, SendState, TicketRow
from hub.mapping.engine import fingerprint
from hub.sync.lapor_report import build_report
from hub.sync.pipeline import Hub, sync
from simulators.population import residents
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _by_origin(reports: list[dict[str, Any]]) -> Counter[str]:
    return Counter(str(r["ref_eksternal"]) for r in reports)


def _ledger(hub: Hub) -> list[TicketRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(TicketRow)))


def _open_quarantine(hub: Hub) -> list[QuarantineRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(QuarantineRow).where(
            QuarantineRow.resolved_at == None)))  # noqa: E711


async def _sync_until_settled(hub: Hub, rounds: int = 40) -> None:
    for _ in range(rounds):
        await sync(hub)
        await asyncio.sleep(0.1)  # rows waiting out an ambiguous POST become due again
        states = state_counts(hub.engine).get("sikesal", {})
        if not states.get("pending") and not states.get("sending"):
            return
    raise AssertionError(f"still unsettled after {rounds} rounds: {state_counts(hub.engine)}")


async def test_every_valid_ticket_reaches_lapor_once_and_bad_ones_are_quarantined(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 80, 7, 0.1)
    hub = sandbox.hub(db_url)
    summary = await sync(hub)
    channel = summary.channels["sikesal"]
    assert channel.error is None and channel.pulled == 80
    rows = _ledger(hub)
    quarantined = _open_quarantine(hub)
    assert channel.sent == len(rows) == 80 - len(quarantined)
    assert all(r.state == SendState.sent and r.tracking_id for r in rows)
    assert {q.reason for q in quarantined} <= {"schema_violation", "unknown_category",
                                               "invalid_nik"}
    assert quarantined, "bad_rate 0.1 over 80 records must quarantine some"
    reports = sandbox.lapor_reports()
    assert _by_origin(reports) == Counter({r.source_id: 1 for r in rows})
    assert {r["tracking_id"] for r in reports} == {r.tracking_id for r in rows}


async def test_second_sync_adds_no_duplicates(sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 40, 8)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    before = len(sandbox.lapor_reports())
    again = await sync(hub)
    assert again.channels["sikesal"].sent == 0 and again.channels["sikesal"].new == 0
    assert len(sandbox.lapor_reports()) == before == 40


async def test_accept_then_fail_leaves_exactly_one_report_per_ticket(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 60, 9)
    sandbox.faults("lapor", accept_then_fail_rate=0.4, seed=3)
    hub = sandbox.hub(db_url)
    await _sync_until_settled(hub)
    reports = sandbox.lapor_reports()
    assert len(reports) == 60
    assert max(_by_origin(reports).values()) == 1
    rows = _ledger(hub)
    assert {r.tracking_id for r in rows} == {r["tracking_id"] for r in reports}


async def test_timeouts_5xx_and_429_from_lapor_never_double_a_report(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 50, 10)
    sandbox.faults("lapor", timeout_rate=0.1, hang_s=1.0, error_rate=0.15, rate_limit_rate=0.1,
                   retry_after_s=0.01, seed=4)
    hub = sandbox.hub(sqlite_url, ambiguous_settle_s=1.0)
    hub.settings.lapor.timeout_s = 0.5
    await _sync_until_settled(hub)
    sandbox.faults("lapor", timeout_rate=0.0, error_rate=0.0, rate_limit_rate=0.0)
    reports = sandbox.lapor_reports()
    assert len(reports) == 50 and max(_by_origin(reports).values()) == 1


async def test_crash_between_post_and_commit_is_resolved_by_lookup_not_a_second_post(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 5, 11)
    hub = sandbox.hub(db_url, sending_lease_s=0.0)
    from hub.sync.pipeline import pull

    await pull(hub, "sikesal")
    claimed = claim_batch(hub.engine, token="doomed-worker", limit=5, lease_s=300)
    async with lapor_client(hub.settings) as lapor:
        for c in claimed:  # the worker posts, then dies before writing `sent`
            await lapor.create_report(build_report(
                c.ticket, "SIKESAL-JAMBI", IdentityOutcome(IdentityStatus.unverified)))
    assert len(sandbox.lapor_reports()) == 5
    summary = await sync(hub)
    assert summary.channels["sikesal"].recovered == 5 and summary.channels["sikesal"].sent == 0
    assert len(sandbox.lapor_reports()) == 5
    assert all(r.state == SendState.sent for r in _ledger(hub))


async def test_records_changed_duplicated_or_reordered_while_paging_are_not_lost(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 120, 12)
    sandbox.faults("sikesal", churn_per_page=3, duplicate_rate=0.2, reorder=True, seed=5)
    hub = sandbox.hub(sqlite_url, page_size=9)
    await sync(hub)
    sandbox.faults("sikesal", churn_per_page=0)
    await sync(hub)  # picks up changes made after the first pull finished
    source = {str(r["id_laporan"]): fingerprint(r, ["view"])
              for r in sandbox.state("sikesal")["records"]}
    stored = {r.source_id: r.source_fingerprint for r in _ledger(hub)}
    assert stored == source  # every row, as it is now
    assert max(_by_origin(sandbox.lapor_reports()).values()) == 1


async def test_records_malformed_on_the_wire_are_quarantined_with_reason_not_dropped(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 60, 13)
    sandbox.faults("sikesal", malformed_rate=0.2, seed=6)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    seen = {r.source_id for r in _ledger(hub)}
    quarantined = _open_quarantine(hub)
    assert quarantined and all(q.reason and q.detail and q.raw for q in quarantined)
    missing = {str(r["id_laporan"]) for r in sandbox.state("sikesal")["records"]} - seen
    assert missing <= {q.source_id for q in quarantined}


async def test_lapor_outage_keeps_tickets_pending_with_error_then_sends_them(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 10, 14)
    sandbox.faults("lapor", error_rate=1.0, error_status=503)
    hub = sandbox.hub(sqlite_url, retry_base_s=3600.0, retry_max_s=3600.0)
    summary = await sync(hub)
    assert summary.channels["sikesal"].retried == 10 and not sandbox.lapor_reports()
    rows = _ledger(hub)
    assert all(r.state == SendState.pending and r.last_error for r in rows)
    assert "503" in (rows[0].last_error or "")
    sandbox.faults("lapor", error_rate=0.0)
    with Session(hub.engine) as session:  # an integrator's "retry now"
        for row in session.exec(select(TicketRow)):
            row.next_attempt_at = row.created_at
            session.add(row)
        session.commit()
    await sync(hub)
    assert len(sandbox.lapor_reports()) == 10


async def test_unreachable_channel_is_reported_with_a_clear_reason(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 10, 15)
    sandbox.faults("sikesal", error_rate=1.0, error_status=502)
    summary = await sync(sandbox.hub(sqlite_url))
    error = summary.channels["sikesal"].error or ""
    assert "sikesal" in error and "502" in error


async def test_identity_in_lapor_is_dukcapils_answer_with_one_call_per_reporter(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 120, 16)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    # The truth: who the seeded Dukcapil knows, and who reported what in Sikesal.
    known = {(p.nik, p.nama) for p in residents("1571", 16)}
    records = {str(r["id_laporan"]): r for r in sandbox.state("sikesal")["records"]}
    reports = sandbox.lapor_reports()
    assert sorted(r["ref_eksternal"] for r in reports) == sorted(records)
    expected, held = {}, {}
    for report in reports:
        row = records[report["ref_eksternal"]]
        expected[report["ref_eksternal"]] = (row["nik"], row["nama_pelapor"]) in known
        held[report["ref_eksternal"]] = bool(report.get("pelapor")
                                             and report["pelapor"]["terverifikasi"])
    assert held == expected, "LAPOR! holds another verdict than Dukcapil's"
    assert sum(expected.values()) > 80 and sum(expected.values()) < len(records)
    # Every Sikesal report is filed from a registered account: never anonymous or rahasia.
    assert not any(r["anonim"] or r["rahasia"] for r in reports)
    assert all(r["pelapor"]["nik"] == records[r["ref_eksternal"]]["nik"] for r in reports)
    # The cache is per reporter: someone who reported twice is checked once.
    reporters = {(r["nik"], r["nama_pelapor"]) for r in records.values()}
    assert len(reporters) < len(records), "no reporter filed twice: the cache goes untested"
    assert sandbox.state("dukcapil")["calls_today"] == len(reporters)


async def test_dukcapil_outage_never_blocks_a_report(sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 20, 17)
    sandbox.faults("dukcapil", error_rate=1.0)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    rows = _ledger(hub)
    assert len(sandbox.lapor_reports()) == 20
    assert all(r.identity_status in {"unverified", "not_applicable"} for r in rows)
    assert any(r.identity_note == "Dukcapil unavailable" for r in rows)


async def test_lapor_refusing_the_hubs_token_stops_pushing_with_a_clear_error(
        sandbox: Sandbox, sqlite_url: str) -> None:
    from pydantic import SecretStr

    sandbox.seed("sikesal", 15, 18)
    hub = sandbox.hub(sqlite_url)
    hub.settings.lapor.token = SecretStr("not-the-token")
    summary = await sync(hub)
    assert summary.errors.get("lapor", "").startswith("LAPOR! refused the hub")
    assert "401" in summary.errors["lapor"] and "not-the-token" not in summary.errors["lapor"]
    rows = _ledger(hub)
    assert len(rows) == 15 and all(r.state == SendState.pending for r in rows)
    assert not sandbox.lapor_reports()
