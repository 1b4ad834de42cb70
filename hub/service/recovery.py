"""What ``serve`` puts right at start-up, before its workers take runs again.

``serve`` owns every worker of its pool, so when it starts none of the pool's runs can still be
running: a run left ``Pending``/``Running`` belonged to a worker that is gone (a clean stop mid-run,
a kill, a crash). It is marked ``Crashed`` — its deployment's concurrency slot is released with it
(Prefect's release rule runs on that transition; slots whose leases a restarted server forgot
are freed too), and the holders of the ledger rows it had claimed are released at once, so the
next run takes them over by lookup first (``hub/ledger/claims.py``). Runs that fell due while
the hub was down collapse into one catch-up run per deployment: the newest stays, the others end
``Cancelled`` named ``Skipped`` with the reason — the catch-up pulls everything since the
watermark anyway, so a storm of late runs would only queue behind each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from hub.ledger.tables import ClaimHolderRow, SendState, TicketRow, utcnow
from hub.service.deployments import WORK_POOL

CRASHED = "its worker is gone (found by `lapor-hub serve` at start-up)"
SKIPPED = "skipped: fell due while the hub was down; one catch-up run per deployment pulls " \
          "everything since the watermark"


@dataclass
class Recovered:
    crashed: int = 0
    skipped: int = 0
    catch_up: int = 0
    freed: int = 0

    def describe(self) -> str:
        return (f"recovered: {self.crashed} run(s) of gone workers marked Crashed, "
                f"{self.skipped} late run(s) skipped, {self.catch_up} catch-up run(s) kept, "
                f"{self.freed} concurrency slot(s) of gone runs freed")


def _runs(api: httpx.Client, flow_runs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        response = api.post("/flow_runs/filter", json={
            "flow_runs": flow_runs, "work_pools": {"name": {"any_": [WORK_POOL]}},
            "sort": "EXPECTED_START_TIME_DESC", "limit": 200, "offset": offset})
        response.raise_for_status()
        page: list[dict[str, Any]] = response.json()
        yield from page
        if len(page) < 200:
            return
        offset += len(page)


def _set(api: httpx.Client, run_id: str, kind: str, name: str, message: str) -> None:
    response = api.post(f"/flow_runs/{run_id}/set_state", json={
        "state": {"type": kind, "name": name, "message": message}, "force": True})
    response.raise_for_status()


def _free_slots(api: httpx.Client) -> int:
    """Slots of deployments and channel pulls still counted for runs that are gone. Prefect keeps
    their leases in the server's memory, so a restarted server can never release them: every new
    run would wait behind them (AwaitingConcurrencySlot) for good. The rate limits are left
    alone: the Dukcapil bucket counts the day's calls."""
    response = api.post("/v2/concurrency_limits/filter", json={"limit": 200})
    response.raise_for_status()
    freed = 0
    for limit in response.json():
        held = (limit["name"].startswith(("deployment:", "lapor-hub-pull-"))
                and limit["active_slots"] and not limit.get("slot_decay_per_second"))
        if held:
            api.patch(f"/v2/concurrency_limits/{limit['id']}",
                      json={"active_slots": 0}).raise_for_status()
            freed += limit["active_slots"]
    return freed


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def release_claims(engine: Engine) -> int:
    """Release every claim holder now instead of after the lease: no worker of ours is alive to
    finish its rows (rows of the time before holders: their claim ages out at once). The next
    claim asks LAPOR! first (``needs_lookup``), so a POST that did happen is never sent again."""
    with Session(engine) as session:
        released = session.execute(
            update(ClaimHolderRow).where(col(ClaimHolderRow.released_at).is_(None))
            .values(released_at=utcnow(), release_reason="serve restarted: its workers are gone"))
        session.execute(update(TicketRow).where(col(TicketRow.state) == SendState.sending)
                        .values(claimed_at=EPOCH))
        session.commit()
        return int(getattr(released, "rowcount", 0) or 0)


def recover(api_url: str, say: Callable[[str], None] = lambda _: None,
            now: datetime | None = None) -> Recovered:
    at = now or datetime.now(UTC)
    done = Recovered()
    with httpx.Client(base_url=api_url, timeout=30) as api:
        stale = list(_runs(api, {"state": {"type": {"any_": ["PENDING", "RUNNING"]}}}))
        for run in stale:
            _set(api, run["id"], "CRASHED", "Crashed", CRASHED)
            done.crashed += 1
        late = list(_runs(api, {"state": {"type": {"any_": ["SCHEDULED"]}},
                                "expected_start_time": {"before_": at.isoformat()}}))
        kept: set[str] = set()
        for run in late:  # newest first: the first of each deployment is its catch-up run
            deployment = str(run.get("deployment_id"))
            if deployment not in kept:
                kept.add(deployment)
                continue
            _set(api, run["id"], "CANCELLED", "Skipped", SKIPPED)
            done.skipped += 1
        done.catch_up = len(kept)
        done.freed = _free_slots(api)
    say(done.describe())
    return done


if __name__ == "__main__":  # run by serve with its children's settings, before their start
    import sys

    from hub.core.settings import get_settings
    from hub.ledger.db import init_db, make_engine

    ledger = make_engine(get_settings().database_url)
    init_db(ledger)
    sys.stdout.write(f"released {release_claims(ledger)} claim holder(s) of gone workers\n")
