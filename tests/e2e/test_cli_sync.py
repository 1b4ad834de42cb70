"""`lapor-hub sync` as a user runs it (a subprocess): exit codes and one-line reasons."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
from hub.ledger.claims import claim_batch
from hub.ledger.holders import register, this_process
from hub.sync.pipeline import pull
from tests.sandbox import Sandbox


def _sync(sandbox: Sandbox, database_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    env = hub_env(urls, database_url, **extra)
    return subprocess.run([sys.executable, "-m", "hub.cli", "sync", "sikesal", "--no-prefect"],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_sync_exits_0_when_every_record_was_pushed_or_quarantined(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 12, 71, bad_rate=0.2)
    done = _sync(sandbox, sqlite_url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sikesal" in done.stdout


def test_sync_exits_1_with_a_reason_when_lapor_cannot_take_the_tickets(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 8, 72)
    sandbox.faults("lapor", error_rate=1.0, error_status=503)
    done = _sync(sandbox, sqlite_url, LAPOR_HUB_RETRY_BASE_S="600", LAPOR_HUB_RETRY_MAX_S="600")
    assert done.returncode == 1
    assert "8 ticket(s) not sent yet" in done.stderr and "503" in done.stderr


def test_sync_exits_1_naming_the_channel_that_cannot_be_reached(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 5, 73)
    done = _sync(sandbox, sqlite_url, LAPOR_HUB_SIKESAL__BASE_URL="http://127.0.0.1:9/api/v1")
    assert done.returncode == 1
    assert "sikesal: could not sync" in done.stderr


def _status(sandbox: Sandbox, database_url: str) -> dict[str, Any]:
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    done = subprocess.run([sys.executable, "-m", "hub.cli", "status", "--json"],
                          env=hub_env(urls, database_url), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_sync_exits_1_while_another_live_run_holds_tickets_and_status_says_so(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 6, 74)
    hub = sandbox.hub(db_url)
    asyncio.run(pull(hub, "sikesal"))
    # This test process is the other run: alive, on this host, renewing nothing yet.
    register(hub.engine, "live-run", this_process(), "r-live")
    held = claim_batch(hub.engine, token="live-run", limit=4, lease_s=300)
    done = _sync(sandbox, db_url, LAPOR_HUB_SENDING_LEASE_S="300")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "4 ticket(s) not sent yet" in done.stderr
    assert "4 held by another live run" in done.stderr
    assert len(sandbox.lapor_reports()) == 2  # the free ones went; the held ones were not touched
    [row] = _status(sandbox, db_url)["unsettled"]
    assert row["channel"] == "sikesal" and row["held"] == len(held) and row["held_until"]


def test_sync_exits_1_when_tickets_wait_for_a_lookup_after_an_ambiguous_write(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 3, 75)
    sandbox.faults("lapor", timeout_rate=1.0, hang_s=1.0)
    done = _sync(sandbox, sqlite_url, LAPOR_HUB_LAPOR__TIMEOUT_S="0.3",
                 LAPOR_HUB_LAPOR__MAX_ATTEMPTS="1", LAPOR_HUB_AMBIGUOUS_SETTLE_S="600",
                 LAPOR_HUB_RETRY_BASE_S="600", LAPOR_HUB_RETRY_MAX_S="600")
    assert done.returncode == 1
    assert "3 waiting for a lookup after an ambiguous write" in done.stderr, done.stderr[-2000:]
    [row] = _status(sandbox, sqlite_url)["unsettled"]
    assert row["lookup"] == 3 and row["lookup_from"]


def test_sync_from_two_processes_sends_every_ticket_once_and_the_helper_takes_a_share(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 160, 77)
    # A slow LAPOR! and two POSTs in flight per process: the run outlasts the helper's start-up.
    sandbox.faults("lapor", latency_ms=100)
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    env = hub_env(urls, db_url, LAPOR_HUB_PUSH_CONCURRENCY="2")
    done = subprocess.run([sys.executable, "-m", "hub.cli", "sync", "sikesal", "--no-prefect",
                           "--processes", "2", "--json"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    refs = [str(r["ref_eksternal"]) for r in sandbox.lapor_reports()]
    assert len(refs) == len(set(refs)) == 160
    assert summary["channels"]["sikesal"]["sent"] == 160
    [helper] = summary["helpers_sent"]
    assert 0 < helper < 160


def test_processes_need_the_plain_run(sandbox: Sandbox, sqlite_url: str) -> None:
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    done = subprocess.run([sys.executable, "-m", "hub.cli", "sync", "sikesal", "--processes", "2"],
                          env=hub_env(urls, sqlite_url), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "--processes needs --no-prefect" in done.stderr
