"""``lapor-hub officers check`` as an operator runs it: the state of each OPD, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
from simulators.siasn_data import nips_of
from tests.sandbox import Sandbox


def _check(sandbox: Sandbox, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    return subprocess.run([sys.executable, "-m", "hub.cli", "officers", "check", *args],
                          env=hub_env(urls, database_url), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_officers_check_shows_each_opd_and_who_holds_its_tickets(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 1})
    done = _check(sandbox, sqlite_url, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["opd"]: r for r in json.loads(done.stdout)}
    assert len(rows) == 23 and all(r["state"] == "in place" for r in rows.values())
    assert all("(officer)" in r["holder"] for r in rows.values())


def test_officers_check_names_a_departed_officer_and_the_fallback(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 1})
    officer = nips_of("DLH-KOTA-MALANG", 4)[1]
    sandbox.admin("siasn", "advance", {"nip": officer, "kind": "left"})
    done = _check(sandbox, sqlite_url, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    row = next(r for r in json.loads(done.stdout) if r["opd"] == "DLH-KOTA-MALANG")
    assert "(deputy)" in row["holder"] and "no longer in service" in row["departed"]
    assert officer not in done.stdout  # NIPs are shown masked


def test_officers_check_exits_1_when_siasn_refuses_the_tokens(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.admin("siasn", "seed", {"n": 4, "seed": 1})
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    env = hub_env(urls, sqlite_url, LAPOR_HUB_SIASN__SSO_PASSWORD="salah")
    done = subprocess.run([sys.executable, "-m", "hub.cli", "officers", "check"], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1
    assert "check failed" in done.stdout and "salah" not in done.stdout + done.stderr
