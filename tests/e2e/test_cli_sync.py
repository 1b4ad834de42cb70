"""`lapor-hub sync` as a user runs it (a subprocess): exit codes and one-line reasons."""

from __future__ import annotations

import subprocess
import sys

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
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
