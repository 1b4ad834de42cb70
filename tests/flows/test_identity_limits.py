"""Identity checks through Prefect's shared Dukcapil quota under contention: a slow slot is
waited for, never taken for "quota used up"; only a really spent quota closes the checks."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from hub.ledger.tables import TicketRow
from hub.service.runtime import use_hub
from hub.sync import limits
from tests.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_every_reporter_is_checked_when_slots_are_contended(
        sandbox: Sandbox, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.sync import sync_flow

    # A wait far below one API round trip: every slot is contended, as on a busy Prefect.
    monkeypatch.setenv("LAPOR_HUB_LIMITS_DUKCAPIL_WAIT_S", "0.001")
    sandbox.seed("sikesal", 120, 61)
    sandbox.seed("laksa", 120, 61)
    hub = sandbox.hub(sqlite_url)
    use_hub(hub)
    try:
        state = asyncio.run(sync_flow(["sikesal", "laksa"], return_state=True))
    finally:
        use_hub(None)
    assert state.is_completed(), state.message
    with Session(hub.engine) as session:
        rows = session.exec(select(TicketRow)).all()
    named = [r for r in rows if r.identity_status != "not_applicable"]
    assert len(named) > 150
    notes = {r.identity_note for r in named if r.identity_status == "unverified"}
    assert not any("quota" in (n or "") or "limit" in (n or "") for n in notes), notes
    assert sum(r.identity_status == "verified" for r in named) > 0.8 * len(named)
    assert sandbox.state("dukcapil")["calls_today"] >= len(named) * 0.8


async def _drop_quota_limit() -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.delete_global_concurrency_limit_by_name(limits.DUKCAPIL_QUOTA)
    limits._ready.clear()


def test_a_spent_shared_quota_closes_identity_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(limits.ensure_limits())
    asyncio.run(_drop_quota_limit())  # a fresh day: the limit is created again on first use
    monkeypatch.setenv("LAPOR_HUB_LIMITS_DUKCAPIL_DAILY_QUOTA", "2")
    gate = limits.dukcapil_gate(limits.LimitSettings(dukcapil_wait_s=0.2))
    assert gate is not None

    async def three() -> list[str | None]:
        return [await gate(), await gate(), await gate()]

    try:
        assert asyncio.run(three()) == [None, None, limits.QUOTA_SPENT]
    finally:
        monkeypatch.delenv("LAPOR_HUB_LIMITS_DUKCAPIL_DAILY_QUOTA")
        asyncio.run(_drop_quota_limit())
