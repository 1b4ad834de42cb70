"""Fault matrix, asserted on the final state (LAPOR!'s own store and the ledger), not on logs:
every LAPOR! fault leaves exactly one report per ticket; every Dukcapil refusal leaves the report
sent, unverified, with the reason. Channel faults are the contract suite's (tests/contract)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.queries import state_counts
from hub.ledger.tables import SendState, TicketRow
from hub.sync.pipeline import Hub, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio

LAPOR_FAULTS: dict[str, dict[str, Any]] = {
    "latency": {"latency_ms": 30},
    "500": {"error_rate": 0.3, "error_status": 500},
    "502": {"error_rate": 0.3, "error_status": 502},
    "503": {"error_rate": 0.3, "error_status": 503},
    "429+Retry-After": {"rate_limit_rate": 0.3, "retry_after_s": 0.01},
    "timeouts": {"timeout_rate": 0.15, "hang_s": 0.8},
    "malformed": {"malformed_rate": 0.3},
    "accept_then_fail": {"accept_then_fail_rate": 0.3},
    "everything": {"error_rate": 0.1, "rate_limit_rate": 0.1, "retry_after_s": 0.01,
                   "timeout_rate": 0.05, "hang_s": 0.8, "accept_then_fail_rate": 0.1,
                   "malformed_rate": 0.1, "latency_ms": 5},
}


def _rows(hub: Hub) -> list[TicketRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(TicketRow)))


async def _settle(hub: Hub, rounds: int = 40) -> None:
    for _ in range(rounds):
        await sync(hub, ["sikesal"])
        states = state_counts(hub.engine).get("sikesal", {})
        if not states.get("pending") and not states.get("sending"):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"unsettled: {state_counts(hub.engine)}")


@pytest.mark.parametrize("faults", LAPOR_FAULTS.values(), ids=LAPOR_FAULTS.keys())
async def test_lapor_fault_leaves_exactly_one_report_per_ticket(
        sandbox: Sandbox, sqlite_url: str, faults: dict[str, Any]) -> None:
    sandbox.seed("sikesal", 25, 51)
    sandbox.faults("lapor", seed=7, **faults)
    hub = sandbox.hub(sqlite_url, ambiguous_settle_s=1.0, max_push_attempts=50)
    hub.settings.lapor.timeout_s = 0.4
    await _settle(hub)
    sandbox.faults("lapor", **{k: 0 for k in faults if k.endswith(("_rate", "_ms"))})
    reports = sandbox.lapor_reports()
    by_ref = Counter(r["ref_eksternal"] for r in reports)
    rows = _rows(hub)
    assert len(rows) == 25 and all(r.state == SendState.sent for r in rows)
    assert by_ref == Counter({r.source_id: 1 for r in rows}), "a duplicate or a loss in LAPOR!"
    assert {r.tracking_id for r in rows} == {r["tracking_id"] for r in reports}


async def test_a_post_without_answer_is_looked_up_only_after_it_has_settled(
        sandbox: Sandbox, sqlite_url: str) -> None:
    # The hung POSTs store their report 2 s after the hub gave up on them (0.4 s), long after
    # the next round: a lookup before the 2.5 s settle wait finds nothing and posts again.
    sandbox.seed("sikesal", 30, 55)
    sandbox.faults("lapor", seed=8, timeout_rate=0.3, hang_s=2.0)
    hub = sandbox.hub(sqlite_url, ambiguous_settle_s=2.5, max_push_attempts=50)
    hub.settings.lapor.timeout_s = 0.4
    recovered = 0
    for _ in range(60):
        summary = await sync(hub, ["sikesal"])
        recovered += summary.channels["sikesal"].recovered
        states = state_counts(hub.engine).get("sikesal", {})
        if not states.get("pending") and not states.get("sending"):
            break
        await asyncio.sleep(0.2)
    sandbox.faults("lapor", timeout_rate=0.0)
    # Counted once every request the hub gave up on has ended inside LAPOR!.
    sandbox.settle("lapor")
    by_ref = Counter(r["ref_eksternal"] for r in sandbox.lapor_reports())
    rows = _rows(hub)
    assert len(rows) == 30 and all(r.state == SendState.sent for r in rows)
    assert recovered > 0, "no POST went unanswered: the test proves nothing"
    assert by_ref == Counter({r.source_id: 1 for r in rows}), "a duplicate or a loss in LAPOR!"


async def test_dukcapil_quota_used_up_sends_the_rest_unverified_and_stops_asking(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 40, 52)
    sandbox.admin("dukcapil", "config", {"daily_quota": 5})
    await sync(hub := sandbox.hub(sqlite_url), ["sikesal"])
    rows = _rows(hub)
    assert len(sandbox.lapor_reports()) == len(rows) == 40
    notes = Counter(r.identity_note for r in rows if r.identity_status == "unverified")
    assert notes["Dukcapil daily quota used up"] >= 25
    # At most 5 people verified (a person who reported twice is one call, two tickets).
    verified = {json.loads(r.payload)["pelapor"]["nik"] for r in rows
                if r.identity_status == "verified"}
    assert len(verified) <= 5
    assert sandbox.state("dukcapil")["calls_today"] <= 5 + 32, "kept calling after code 05"


async def test_dukcapil_outside_access_hours_sends_everything_unverified(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 20, 53)
    sandbox.admin("dukcapil", "config", {"access_hours": "00:00-00:00"})
    await sync(hub := sandbox.hub(sqlite_url), ["sikesal"])
    rows = _rows(hub)
    assert len(sandbox.lapor_reports()) == 20
    named = [r for r in rows if r.identity_status != "not_applicable"]
    assert named and all(r.identity_status == "unverified" and
                         r.identity_note == "Dukcapil outside access hours" for r in named)


async def test_dukcapil_not_found_marks_reporters_unverified_with_the_reason(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("sikesal", "seed", {"n": 20, "seed": 54})
    sandbox.admin("dukcapil", "seed", {"n": 2000, "seed": 99})  # another population: nobody known
    await sync(hub := sandbox.hub(sqlite_url), ["sikesal"])
    named = [r for r in _rows(hub) if r.identity_status != "not_applicable"]
    assert len(sandbox.lapor_reports()) == 20
    assert named and all(r.identity_note == "Dukcapil: NIK not found" for r in named)
    reports = [r for r in sandbox.lapor_reports() if r.get("pelapor")]
    assert reports and not any(r["pelapor"]["terverifikasi"] for r in reports)
