"""``serve`` survives its own restart: after a clean stop, a kill of every process, and a downtime
of several intervals, a scheduled sync reaches LAPOR! within one interval of the new start, with
no duplicate; runs of the gone workers end Crashed, late runs collapse into one catch-up run.

Starts Prefect servers: run inside a private network namespace (README, "Tests").
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.core.settings import PROJECT_ROOT
from hub.service.serve import Stack, StackConfig
from tests.sandbox import Sandbox
from tests.scaleout.conftest import free_port, settings_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTERVAL_S = 20
# A worker polls every second and a flow-run process starts in ~10 s on these machines.
WITHIN_S = INTERVAL_S + 60


def _prefect_yaml(tmp_path: Path) -> Path:
    data = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    for dep in data["deployments"]:
        if dep["name"] in ("sync-sikesal", "sync-laksa"):
            dep["schedules"] = [{"interval": INTERVAL_S}]
            dep["triggers"] = []
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _wait(what: str, ok: Callable[[], bool], within_s: float, stack: Stack) -> None:
    deadline = time.monotonic() + within_s
    while not ok():
        assert time.monotonic() < deadline, f"{what} not within {within_s:.0f} s"
        assert stack.dead() is None, f"{stack.dead()} died"
        time.sleep(1)


def _runs(config: StackConfig, **flow_runs: Any) -> list[dict[str, Any]]:
    response = httpx.post(f"{config.api_url}/flow_runs/filter",
                          json={"limit": 200, "flow_runs": flow_runs}, timeout=30)
    response.raise_for_status()
    return list(response.json())


def _kill_everything(stack: Stack) -> None:
    """As if serve's whole process tree got SIGKILL: no child stops cleanly."""
    for child in stack.children:
        os.killpg(child.process.pid, signal.SIGKILL)
    for child in stack.children:
        child.process.wait(10)
        child.log.close()
    stack.children.clear()


def test_schedules_deliver_again_after_stop_kill_and_downtime(
        sandbox: Sandbox, sqlite_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", 0, 5)
    sandbox.seed("laksa", 0, 5)
    env = {**settings_env(sandbox.settings(sqlite_url)),
           "LAPOR_HUB_ENV_FILE": str(tmp_path / "none.env"),
           "PREFECT_API_SERVICES_SCHEDULER_LOOP_SECONDS": "5"}
    env.pop("LAPOR_HUB_DUKCAPIL__PASSWORD")  # schedules are under test here, not identity
    config = StackConfig(prefect_port=free_port(), intake_port=free_port(), worker_poll_s=1.0,
                         deployments=["sync-sikesal", "sync-laksa"],
                         prefect_file=_prefect_yaml(tmp_path),
                         env=env, data_dir=tmp_path / "state")
    said: list[str] = []

    def start() -> Stack:
        stack = Stack(config, said.append)
        stack.start()
        return stack

    def delivered(n: int) -> Callable[[], bool]:
        return lambda: len({(r["sumber"], r["ref_eksternal"])
                            for r in sandbox.lapor_reports()}) >= n

    stack = start()
    try:
        _wait("a scheduled run", lambda: any(r["state_type"] in ("RUNNING", "COMPLETED")
                                             for r in _runs(config)), WITHIN_S, stack)
        sandbox.seed("sikesal", 10, 5)
        stack.stop()  # clean, one Ctrl-C

        stack = start()  # 1: after a clean stop
        _wait("10 tickets after a clean stop", delivered(10), WITHIN_S, stack)
        # A channel that had nothing until now gets 10 tickets, then serve's whole tree dies.
        sandbox.seed("laksa", 10, 5)
        _kill_everything(stack)
        time.sleep(3 * INTERVAL_S)  # down for several intervals: runs fall due meanwhile

        said.clear()
        stack = start()  # 2: after a kill and a long downtime
        _wait("20 tickets after a kill and downtime", delivered(20), WITHIN_S, stack)
        skipped_runs = _runs(config, state={"name": {"any_": ["Skipped"]}})
    finally:
        stack.stop()
    refs = Counter((r["sumber"], r["ref_eksternal"]) for r in sandbox.lapor_reports())
    assert len(refs) == 20 and max(refs.values()) == 1, "a ticket reached LAPOR! twice"
    [recovered] = [line for line in said if line.startswith("recovered:")]
    skipped = re.search(r"(\d+) late run\(s\) skipped, (\d+) catch-up", recovered)
    assert skipped and int(skipped[1]) >= 1 and int(skipped[2]) <= 2, recovered
    assert skipped_runs and all("fell due while the hub was down" in (r["state"]["message"] or "")
                                for r in skipped_runs)
    state_line = next(line for line in said if line.startswith("state in"))
    assert str(tmp_path / "state") in state_line
