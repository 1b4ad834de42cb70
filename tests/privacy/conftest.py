"""One whole sandbox run with distinctive credentials and every output captured, shared by the
personal-data and secrets tests (each CLI call is a real subprocess, so capture is honest)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.crash_harness import HarnessConfig, Sims, hub_env, prepare, unsettled
from hub.core.settings import PROJECT_ROOT
from simulators.dukcapil import DukcapilConfig
from simulators.runner import SimulatorSettings, build_apps, running

# Distinctive values: any of them appearing in an output is a leak, not a coincidence.
SECRETS = {
    "lapor": "lapor-Tok3n-9f8e7d6c5b4a",
    "sikesal": "sikesal-Tok3n-1a2b3c4d5e6f",
    "laksa": "laksa-Tok3n-0f1e2d3c4b5a",
    "dukcapil": "dukcapil-Passw0rd-77aa88bb",
}
WRONG = {
    "lapor": "wrong-lapor-Tok3n-31415926",
    "sikesal": "wrong-sikesal-Tok3n-27182818",
    "dukcapil": "wrong-dukcapil-Passw0rd-1618",
    "database": "db-Passw0rd-5772156649",
}


@dataclass
class DemoRun:
    sims: Sims
    channels: list[str]
    database_url: str
    outputs: dict[str, str] = field(default_factory=dict)


def _cli(args: list[str], env: dict[str, str]) -> str:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=180, check=False)
    took = time.monotonic() - started
    return f"exit {done.returncode} after {took:.1f}s\n{done.stdout}\n{done.stderr}"


def _secret_env(base_urls: dict[str, str], database_url: str, secrets: dict[str, str],
                **extra: str) -> dict[str, str]:
    env = hub_env(base_urls, database_url, LAPOR_HUB_LOG_LEVEL="DEBUG", **extra)
    for name, value in secrets.items():
        if name == "dukcapil":
            env["LAPOR_HUB_DUKCAPIL__PASSWORD"] = value
        elif name != "database":
            env[f"LAPOR_HUB_{name.upper()}__TOKEN"] = value
    return env


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    tmp: Path = tmp_path_factory.mktemp("privacy")
    fields = SimulatorSettings.model_fields
    settings = SimulatorSettings(
        **{f"{n}_token": v for n, v in SECRETS.items() if f"{n}_token" in fields},
        dukcapil=DukcapilConfig(password=SECRETS["dukcapil"]))
    with running(build_apps(settings)) as endpoints:
        sims = Sims({n: e.root for n, e in endpoints.items()})
        base_urls = {n: e.base_url for n, e in endpoints.items()}
        db = f"sqlite:///{tmp}/ledger.db"
        cfg = HarnessConfig(database_url=db, log_path=tmp / "unused.log", per_channel=40,
                            bad_rate=0.15, seed=5, lapor_latency_ms=0)
        run = DemoRun(sims, prepare(sims, cfg), db)
        good = _secret_env(base_urls, db, SECRETS, LAPOR_HUB_RETRY_BASE_S="0")
        # First with wrong credentials everywhere: the error paths must not echo them.
        run.outputs["sync, wrong credentials"] = _cli(
            ["sync", "--all", "--no-prefect"], {**good, **_secret_env(base_urls, db, WRONG)})
        run.outputs["sync, database unreachable"] = _cli(["status"], {
            **good, "LAPOR_HUB_DATABASE_URL":
            f"postgresql+psycopg://hub:{WRONG['database']}@127.0.0.1:1/ledger"})
        sims.post("lapor", "faults", {"error_rate": 0.3, "accept_then_fail_rate": 0.1,
                                      "seed": 2})
        sims.post("dukcapil", "faults", {"error_rate": 0.2, "seed": 3})
        run.outputs["sync, faults"] = _cli(["sync", "--all", "--no-prefect"], good)
        for name in ("lapor", "dukcapil"):
            sims.post(name, "faults", {"error_rate": 0.0, "accept_then_fail_rate": 0.0}
                      if name == "lapor" else {"error_rate": 0.0})
        settle = {**good, "LAPOR_HUB_SENDING_LEASE_S": "0", "LAPOR_HUB_AMBIGUOUS_SETTLE_S": "0"}
        run.outputs["sync, clean"] = _cli(["sync", "--all", "--no-prefect"], settle)
        if unsettled(db):  # rows waiting out an ambiguous POST of the faulty run
            run.outputs["sync, again"] = _cli(["sync", "--all", "--no-prefect"], settle)
        run.outputs["status --json"] = _cli(["status", "--json"], good)
        listed = _cli(["quarantine", "list", "--json"], good)
        run.outputs["quarantine list"] = listed
        for entry_id in _first_ids(listed, 1):
            run.outputs[f"quarantine show {entry_id}"] = _cli(
                ["quarantine", "show", str(entry_id)], good)
        yield run


def _first_ids(listed: str, n: int) -> list[int]:
    import json

    body = listed.split("\n", 1)[1]
    start, end = body.find("["), body.rfind("]")
    entries: list[dict[str, Any]] = json.loads(body[start:end + 1]) if start >= 0 else []
    return [int(e["id"]) for e in entries[:n]]
