"""Scale-out: a Prefect server on PostgreSQL, the ledger on PostgreSQL, two process workers.

Two runs pull and push the same channels at once on different workers (a rerun from the UI with
wider parameters beside the channel's own run), while a burst of 112 calls at the intake fires
the event trigger. The ledger's row claims, not luck, must keep every ticket sent exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from hub.core.settings import IntakeSettings
from hub.intake.announce import PrefectEmitter, init_outbox
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import SendState, TicketRow
from hub.service.serve import Stack, StackConfig
from tests.sandbox import Sandbox
from tests.scaleout.conftest import free_port, settings_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(420)]
TOKEN = "scaleout-112-token"
SIKESAL_N, CALLS_N = 120, 200
FINAL = {SendState.sent, SendState.quarantined, SendState.skipped}


def _runs(api: httpx.Client, deployment_ids: list[str]) -> list[dict[str, Any]]:
    body = {"deployments": {"id": {"any_": deployment_ids}}, "limit": 200}
    response = api.post("/flow_runs/filter", json=body)
    response.raise_for_status()
    return list(response.json())


def _run_now(api: httpx.Client, deployment_id: str, channels: list[str]) -> None:
    response = api.post(f"/deployments/{deployment_id}/create_flow_run",
                        json={"parameters": {"channels": channels}})
    response.raise_for_status()


def _run_waiting(api_url: str, channel: str) -> bool:
    """The intake's own test (``PrefectEmitter.run_waiting``) of a run due but not started."""
    async def check() -> bool:
        emitter = PrefectEmitter(api_url)
        try:
            return await emitter.run_waiting(channel)
        finally:
            await emitter.aclose()

    return asyncio.run(check())


def _workers_of_runs(log_dir: Path) -> dict[str, str]:
    """flow run name → the worker that started its process (both workers offer to submit a
    run; only the one the server lets through logs "submitted to infrastructure")."""
    owner = {}
    for log in log_dir.glob("worker-*.log"):
        for name in re.findall(r"Flow run '([\w-]+)' submitted to infrastructure", log.read_text()):
            owner[name] = log.stem
    return owner


def _settled(engine: Any, runs: list[dict[str, Any]]) -> bool:
    with Session(engine) as session:
        rows = list(session.exec(select(TicketRow.channel, TicketRow.state)))
    per = Counter(channel for channel, _ in rows)
    if per["sikesal"] < SIKESAL_N or per["call112"] < CALLS_N:
        return False
    if any(state not in FINAL for _, state in rows):
        return False
    busy = {"RUNNING", "PENDING"}
    queued = [r for r in runs if r["state_name"] == "AwaitingConcurrencySlot"]
    return not any(r["state_type"] in busy for r in runs) and not queued


def test_two_workers_on_postgres_send_every_ticket_exactly_once(
        sandbox: Sandbox, pg_url: str, prefect_pg_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", SIKESAL_N, 61)
    sandbox.seed("call112", CALLS_N, 62)
    sandbox.faults("lapor", accept_then_fail_rate=0.03, seed=5)
    settings = sandbox.settings(pg_url, intake=IntakeSettings(tokens={"call112": SecretStr(TOKEN)}),
                                push_batch_size=40)
    engine = make_engine(pg_url)
    init_db(engine)  # once, before several processes would race to create the tables
    init_outbox(engine)
    config = StackConfig(prefect_port=free_port(), intake_port=free_port(),
                         prefect_db_url=prefect_pg_url, workers=2, worker_poll_s=1.0,
                         # One run per worker at a time: two runs at once need both workers.
                         worker_limit=1,
                         env=settings_env(settings), log_dir=tmp_path / "logs")
    stack = Stack(config)
    try:
        stack.start()
        api = httpx.Client(base_url=config.api_url, timeout=30)
        ids = {name: api.get(f"/deployments/name/lapor-hub-sync/{name}").json()["id"]
               for name in ("sync-sikesal", "sync-call112")}
        # Both runs pull and push both channels: whichever worker claims a row sends it.
        _run_now(api, ids["sync-sikesal"], ["sikesal", "call112"])
        _run_now(api, ids["sync-call112"], ["call112", "sikesal"])
        # The intake announces nothing while a run of sync-call112 waits to start (that run
        # will read the calls): let it start, so the burst's events start runs of their own.
        deadline = time.monotonic() + 120
        while _run_waiting(config.api_url, "call112"):
            assert time.monotonic() < deadline, f"never started; logs in {tmp_path / 'logs'}"
            time.sleep(0.5)
        burst = threading.Thread(target=sandbox.admin, args=("call112", "deliver", {
            "target": f"{config.intake_url}/events/call112", "token": TOKEN}))
        burst.start()
        burst.join(120)
        deadline = time.monotonic() + 240
        while not _settled(engine, runs := _runs(api, list(ids.values()))):
            assert time.monotonic() < deadline, f"not settled; logs in {tmp_path / 'logs'}"
            assert stack.dead() is None, f"{stack.dead()} died; logs in {tmp_path / 'logs'}"
            time.sleep(2)
    finally:
        stack.stop()

    delivered = sandbox.state("call112")["answers"]
    assert len(delivered) == CALLS_N and set(delivered.values()) <= {200, 202}
    reports = sandbox.lapor_reports()
    refs = Counter((r["sumber"], r["ref_eksternal"]) for r in reports)
    assert refs and max(refs.values()) == 1, "a ticket reached LAPOR! twice"
    with Session(engine) as session:
        rows = list(session.exec(select(TicketRow).where(
            col(TicketRow.channel).in_(["sikesal", "call112"]))))
    sent = [r for r in rows if r.state == SendState.sent]
    assert {r.tracking_id for r in sent} == {r["tracking_id"] for r in reports}, "lost or stray"
    assert all(r.state in FINAL for r in rows)
    assert Counter(r.channel for r in rows) == {"sikesal": SIKESAL_N, "call112": CALLS_N}
    # Both workers ran flow runs, some of them at the same time, and the intake's events
    # started runs of their own (created by the deployment's trigger, not by this test).
    owner = _workers_of_runs(tmp_path / "logs")
    assert set(owner.values()) == {"worker-1", "worker-2"}
    spans = sorted((r["start_time"], r["end_time"]) for r in runs if r["start_time"])
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans)), "never in parallel"
    triggered = [r for r in runs if (r.get("created_by") or {}).get("type") == "AUTOMATION"]
    assert triggered, "no run was started by the intake's event"
    engine.dispose()
