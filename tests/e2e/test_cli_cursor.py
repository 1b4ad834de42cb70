"""``lapor-hub cursor``: re-pull or backfill a channel as an operator does; exactly once holds."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
from tests.sandbox import Sandbox


def _cli(sandbox: Sandbox, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = hub_env({n: e.base_url for n, e in sandbox.endpoints.items()}, db)
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_reset_re_pulls_the_channel_and_sends_nothing_twice(sandbox: Sandbox,
                                                            sqlite_url: str) -> None:
    sandbox.seed("sikesal", 15, 91)
    assert _cli(sandbox, sqlite_url, "sync", "sikesal", "--no-prefect").returncode == 0
    [shown] = json.loads(_cli(sandbox, sqlite_url, "cursor", "show", "sikesal",
                              "--json").stdout)
    assert shown["watermark"] is not None and not shown["midway"]
    assert _cli(sandbox, sqlite_url, "cursor", "reset", "sikesal").returncode == 0
    [again] = json.loads(_cli(sandbox, sqlite_url, "cursor", "show", "sikesal", "--json").stdout)
    assert again["watermark"] is None
    done = _cli(sandbox, sqlite_url, "sync", "sikesal", "--no-prefect", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["channels"]["sikesal"]["pulled"] == 15  # read again from the beginning
    assert summary["channels"]["sikesal"]["sent"] == 0
    assert len(sandbox.lapor_reports()) == 15


def test_set_since_and_bad_input(sandbox: Sandbox, sqlite_url: str) -> None:
    assert _cli(sandbox, sqlite_url, "cursor", "set", "sikesal", "--since",
                "2026-11-01").returncode == 0
    [shown] = json.loads(_cli(sandbox, sqlite_url, "cursor", "show", "--json").stdout)
    assert shown["watermark"].startswith("2026-11-01T00:00:00")
    bad = _cli(sandbox, sqlite_url, "cursor", "set", "sikesal", "--since", "November")
    assert bad.returncode == 2 and "--since" in bad.stderr
    unknown = _cli(sandbox, sqlite_url, "cursor", "reset", "nope")
    assert unknown.returncode == 2 and "unknown channel" in unknown.stderr
