"""A whole sync with ``lapor.adapter=legacy_xml`` over real HTTP: tickets filed exactly once.

The legacy API cannot look a report up by origin, so an ambiguous write (accepted, then 5xx or a
dropped connection) cannot be resolved by lookup. Policy: the ticket is parked in quarantine as
``ambiguous_write`` for a person and never POSTed again — not by a later sync, not by a replay.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from connectors.lapor_legacy import origin_line
from hub.ledger.queries import state_counts
from hub.ledger.tables import QuarantineRow, SendState, TicketRow
from hub.reconcile.round import reconcile
from hub.sync.pipeline import Hub, sync
from hub.sync.quarantine import replay_by_reason
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
ORIGIN = re.compile(r"\[lapor-hub (\S+) (\S+)\]")


def _legacy_hub(sandbox: Sandbox, db_url: str) -> Hub:
    base = sandbox.settings(db_url).lapor
    lapor = base.model_copy(update={"adapter": "legacy_xml",
                                    "legacy_base_url": sandbox.endpoints["lapor"].root})
    return sandbox.hub(db_url, lapor=lapor)


def _filed(sandbox: Sandbox) -> Counter[str]:
    """How many reports LAPOR! holds per origin (read from the origin line in ``isi``)."""
    found: Counter[str] = Counter()
    for report in sandbox.lapor_reports():
        assert report["api"] == "legacy_xml"
        match = ORIGIN.search(report["isi"])
        assert match is not None and match.group(1) == "SAMBAT-MALANG"
        found[match.group(2)] += 1
    return found


def _rows(hub: Hub, model: Any) -> list[Any]:
    with Session(hub.engine) as session:
        return list(session.exec(select(model).where(model.channel == "sambat")))


async def test_legacy_sync_files_every_ticket_once_and_a_second_sync_adds_nothing(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sambat", 60, 41)
    hub = _legacy_hub(sandbox, db_url)
    summary = await sync(hub, ["sambat"])
    channel = summary.channels["sambat"]
    assert channel.error is None and summary.push_error is None
    rows = [r for r in _rows(hub, TicketRow) if r.state != SendState.quarantined]
    assert rows and all(r.state == SendState.sent for r in rows)
    assert channel.sent == len(rows)
    assert _filed(sandbox) == Counter({r.source_id: 1 for r in rows})
    assert {r["tracking_id"] for r in sandbox.lapor_reports()} == {r.tracking_id for r in rows}
    assert all(r.tracking_id and r.tracking_id.isdigit() for r in rows)
    again = await sync(hub, ["sambat"])
    assert again.channels["sambat"].sent == 0
    assert sum(_filed(sandbox).values()) == len(rows)
    # No change feed, no follow-ups: the round says so instead of failing or faking them.
    round_ = await reconcile(hub, ["sambat"], pull_channels=False, officers=False)
    assert round_.errors == {} and round_.to_lapor == 0
    assert any("no change feed" in u for u in round_.unavailable)


async def test_legacy_ambiguous_writes_are_parked_never_posted_twice(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 40, 42)
    sandbox.faults("lapor", accept_then_fail_rate=0.4, seed=5)
    hub = _legacy_hub(sandbox, sqlite_url)
    for _ in range(6):
        await sync(hub, ["sambat"])
        await asyncio.sleep(0.1)
        if not state_counts(hub.engine).get("sambat", {}).get("pending"):
            break
    parked = [q for q in _rows(hub, QuarantineRow)
              if q.reason == "ambiguous_write" and q.resolved_at is None]
    assert parked, "accept_then_fail 0.4 over 40 POSTs must leave some writes ambiguous"
    assert all("cannot look reports up by origin" in q.detail for q in parked)
    filed = _filed(sandbox)
    assert max(filed.values()) == 1  # exactly once, or (parked) at most once
    assert {q.source_id for q in parked} <= set(filed)  # accepted, then failed: held by LAPOR!
    sent = [r for r in _rows(hub, TicketRow) if r.state == SendState.sent]
    assert {r.source_id for r in sent} | {q.source_id for q in parked} == set(filed)
    # A replay looks up first; this adapter cannot, so it parks again without a POST.
    sandbox.faults("lapor", accept_then_fail_rate=0.0)
    before = sum(filed.values())
    replay_by_reason(hub, "ambiguous_write", "sambat")
    await sync(hub, ["sambat"])
    assert sum(_filed(sandbox).values()) == before
    still = [q for q in _rows(hub, QuarantineRow)
             if q.reason == "ambiguous_write" and q.resolved_at is None]
    assert {q.source_id for q in still} == {q.source_id for q in parked}
    assert origin_line("SAMBAT-MALANG", parked[0].source_id) in "".join(
        r["isi"] for r in sandbox.lapor_reports())
