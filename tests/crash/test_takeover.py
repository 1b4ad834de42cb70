"""After a crash the next run delivers at once; two live runs never send one ticket twice.

Every sync here is a real ``lapor-hub sync`` subprocess, talking HTTP to the simulators, on the
ledger of SQLite and of PostgreSQL alike.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import ClaimHolderRow, SendState, TicketRow
from tests.sandbox import Sandbox

SYNC = [sys.executable, "-m", "hub.cli", "sync", "sikesal", "--no-prefect"]
CONCURRENCY = 4  # a push group is four times this: all a killed run may leave `sending`


def _env(sandbox: Sandbox, db_url: str, **extra: str) -> dict[str, str]:
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    return hub_env(urls, db_url, LAPOR_HUB_PUSH_CONCURRENCY=str(CONCURRENCY),
                   LAPOR_HUB_PUSH_BATCH_SIZE="100", LAPOR_HUB_LAPOR__TIMEOUT_S="20", **extra)


def _states(db_url: str) -> Counter[str]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return Counter({str(state): n for state, n in session.exec(
                select(TicketRow.state, func.count()).group_by(TicketRow.state))})
    finally:
        engine.dispose()


def _wait_for(check: object, what: str, limit_s: float = 120.0) -> None:
    """Poll until ``check()`` holds (a guard against hanging, not an assertion on time)."""
    deadline = time.monotonic() + limit_s
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def _origins(sandbox: Sandbox) -> Counter[str]:
    return Counter(str(r["ref_eksternal"]) for r in sandbox.lapor_reports())


def test_sigkill_mid_push_then_the_next_run_delivers_everything_at_once_exactly_once(
        sandbox: Sandbox, db_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", 120, 91)
    sandbox.faults("lapor", latency_ms=150)
    init_db(make_engine(db_url))
    # A lease far longer than the test: only proving the holder dead can free its rows in time.
    env = _env(sandbox, db_url, LAPOR_HUB_SENDING_LEASE_S="3600")
    log = (tmp_path / "runs.log").open("wb")
    doomed = subprocess.Popen(SYNC, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)
    _wait_for(lambda: _states(db_url)["sent"] >= 10 and _states(db_url)["sending"] > 0,
              "the first run is pushing")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    left = _states(db_url)
    assert 0 < left["sending"] <= 4 * CONCURRENCY  # one group in flight, not the whole batch
    assert left["pending"] > 0  # the rest of its batch was never taken from pending

    sandbox.faults("lapor", latency_ms=0)
    nxt = subprocess.run(SYNC, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=300, check=False)
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    settled = _states(db_url)
    assert settled["sent"] == 120 and settled["sending"] == settled["pending"] == 0
    origins = _origins(sandbox)
    assert len(origins) == 120 and max(origins.values()) == 1


def test_two_live_runs_with_a_short_lease_and_a_slow_lapor_never_send_one_ticket_twice(
        sandbox: Sandbox, db_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", 8, 92)
    # Each POST takes longer than the whole lease: only the heartbeat keeps its holder.
    sandbox.faults("lapor", latency_ms=4000)
    init_db(make_engine(db_url))
    # The first run holds all 8 in one group and posts two at a time (16 s); the second, eight
    # at a time, would look all 8 up at once and post every one the first has not sent yet.
    env = _env(sandbox, db_url, LAPOR_HUB_SENDING_LEASE_S="1.5")
    log = (tmp_path / "runs.log").open("wb")
    first = subprocess.Popen(SYNC, env={**env, "LAPOR_HUB_PUSH_CONCURRENCY": "2"},
                             cwd=PROJECT_ROOT, stdout=log, stderr=log)
    _wait_for(lambda: _states(db_url)["sending"] == 8, "the first run holds every ticket")
    second = subprocess.run(SYNC, env={**env, "LAPOR_HUB_PUSH_CONCURRENCY": "8"},
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert first.poll() is None, "the first run ended before the second looked"
    assert second.returncode == 1
    assert "8 held by another live run" in second.stderr, second.stderr[-3000:]
    assert first.wait(timeout=300) == 0
    origins = _origins(sandbox)
    assert len(origins) == 8 and max(origins.values()) == 1, origins.most_common(3)
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert not list(session.exec(select(TicketRow).where(
            col(TicketRow.state) != SendState.sent)))
        assert not list(session.exec(select(ClaimHolderRow)))  # every holder let go
    engine.dispose()
