"""The contract every channel passes, over real HTTP against its simulator: full and incremental
pulls, records changed/duplicated/reordered while paging, faults survived or quarantined, and
schema violations quarantined with their reasons — never a record lost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from hub.ledger.tables import QuarantineRow, TicketRow
from hub.sync.pipeline import Hub, pull
from tests.contract.cases import CASES, ChannelCase
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture(params=CASES, ids=lambda c: c.channel)
def case(request: pytest.FixtureRequest) -> ChannelCase:
    return request.param  # type: ignore[no-any-return]


def _stored(hub: Hub, case: ChannelCase) -> dict[str, str]:
    version = TicketRow.source_fingerprint if case.by_content else TicketRow.source_version
    with Session(hub.engine) as session:
        rows = session.exec(select(TicketRow.source_id, version)
                            .where(TicketRow.channel == case.channel))
        return {source_id: value or "" for source_id, value in rows.all()}


def _quarantined_ids(hub: Hub, channel: str) -> set[str | None]:
    with Session(hub.engine) as session:
        return set(session.exec(select(QuarantineRow.source_id).where(
            QuarantineRow.channel == channel, col(QuarantineRow.resolved_at).is_(None))))


def _truth(sandbox: Sandbox, case: ChannelCase) -> tuple[dict[str, str], set[str]]:
    state: dict[str, Any] = sandbox.state(case.simulator)
    return case.versions(state), case.skipped(state)


def _require(case: ChannelCase, *faults: str) -> None:
    missing = set(faults) - case.faults
    # A channel joins the contract suite whole: a simulator without a fault would hide a gap.
    assert not missing, f"{case.channel}'s simulator has no {sorted(missing)} fault"


def _assert_nothing_lost(sandbox: Sandbox, hub: Hub, case: ChannelCase,
                         any_version: set[str] | None = None) -> None:
    """Every source record is stored at its latest version or quarantined (``any_version``: ids
    that need only be stored at some version). A record whose id was itself corrupted on the
    wire cannot be named, so such records are matched by count against the quarantine entries
    that carry no known id."""
    truth, skipped = _truth(sandbox, case)
    stored = _stored(hub, case)
    quarantined = _quarantined_ids(hub, case.channel)
    older = any_version or set()
    missing = [source_id for source_id, version in truth.items()
               if source_id not in skipped and source_id not in quarantined
               and not (stored.get(source_id) == version
                        or (source_id in older and source_id in stored))]
    unattributed = [q for q in quarantined if q is None or q not in truth]
    assert len(missing) <= len(unattributed), (
        f"{case.channel}: {missing} are neither stored at their latest version nor quarantined")


async def test_full_pull_stores_every_record_once(sandbox: Sandbox, sqlite_url: str,
                                                  case: ChannelCase) -> None:
    sandbox.seed(case.simulator, 70, 21)
    hub = sandbox.hub(sqlite_url, page_size=16)
    result = await pull(hub, case.channel)
    truth, skipped = _truth(sandbox, case)
    assert result.stored.new + result.stored.quarantined >= len(truth) - len(skipped)
    _assert_nothing_lost(sandbox, hub, case)


async def test_incremental_pull_reads_only_what_changed(sandbox: Sandbox, sqlite_url: str,
                                                        case: ChannelCase) -> None:
    _require(case, "churn_per_page")
    sandbox.seed(case.simulator, 50, 22)
    hub = sandbox.hub(sqlite_url, page_size=10)
    outside = case.window(hub, sandbox.state(case.simulator), 20) if case.window else set()
    await pull(hub, case.channel)
    quiet = await pull(hub, case.channel)
    assert quiet.stored.new == 0 and quiet.stored.updated == 0
    sandbox.faults(case.simulator, churn_per_page=2, seed=1)
    await pull(hub, case.channel)
    sandbox.faults(case.simulator, churn_per_page=0)
    changed = await pull(hub, case.channel)
    assert changed.records < 50, "an incremental pull must not re-read everything"
    _assert_nothing_lost(sandbox, hub, case, any_version=outside)


async def test_records_changed_duplicated_reordered_while_paging_are_kept(
        sandbox: Sandbox, db_url: str, case: ChannelCase) -> None:
    _require(case, "churn_per_page", "duplicate_rate", "reorder")
    sandbox.seed(case.simulator, 90, 23)
    sandbox.faults(case.simulator, churn_per_page=3, duplicate_rate=0.3, reorder=True, seed=2)
    hub = sandbox.hub(db_url, page_size=12)
    await pull(hub, case.channel)
    sandbox.faults(case.simulator, churn_per_page=0, duplicate_rate=0.0, reorder=False)
    await pull(hub, case.channel)
    _assert_nothing_lost(sandbox, hub, case)


@pytest.mark.parametrize("faults", [
    {"error_rate": 0.3, "error_status": 503},
    {"rate_limit_rate": 0.3, "retry_after_s": 0.01},
    {"timeout_rate": 0.1, "hang_s": 1.0},
], ids=["5xx", "429", "timeouts"])
async def test_transient_faults_are_survived(sandbox: Sandbox, sqlite_url: str,
                                             case: ChannelCase, faults: dict[str, Any]) -> None:
    _require(case, *[k for k in faults if k.endswith("_rate")])
    sandbox.seed(case.simulator, 40, 24)
    sandbox.faults(case.simulator, seed=3, **faults)
    hub = sandbox.hub(sqlite_url, page_size=8)
    getattr(hub.settings, case.channel).timeout_s = 0.5
    getattr(hub.settings, case.channel).max_attempts = 8
    await pull(hub, case.channel)
    _assert_nothing_lost(sandbox, hub, case)


async def test_malformed_records_are_quarantined_with_reason(sandbox: Sandbox, sqlite_url: str,
                                                             case: ChannelCase) -> None:
    _require(case, "malformed_rate")
    sandbox.seed(case.simulator, 60, 25)
    sandbox.faults(case.simulator, malformed_rate=0.25, seed=4)
    hub = sandbox.hub(sqlite_url, page_size=10)
    getattr(hub.settings, case.channel).max_attempts = 10
    await pull(hub, case.channel)
    with Session(hub.engine) as session:
        entries = list(session.exec(select(QuarantineRow).where(
            QuarantineRow.channel == case.channel)))
    assert entries, "a 25% malformed rate must quarantine something"
    assert all(e.reason and e.detail and e.raw and e.stage in {"validate", "map", "identity"}
               for e in entries)
    _assert_nothing_lost(sandbox, hub, case)


async def test_records_invalid_at_source_are_quarantined_not_dropped(
        sandbox: Sandbox, sqlite_url: str, case: ChannelCase) -> None:
    sandbox.seed(case.simulator, 80, 26, bad_rate=0.15)
    hub = sandbox.hub(sqlite_url)
    result = await pull(hub, case.channel)
    assert result.stored.quarantined > 0
    _assert_nothing_lost(sandbox, hub, case)
