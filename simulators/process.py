"""Run the simulators in their own process and wait until they announce ``ready``.

Benches and the demo use this so the sandbox's CPU work is not counted against the hub's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

READY_TIMEOUT_S = 60.0


@contextmanager
def simulators_process(*, seed: int, n: int, only: list[str] | None = None,
                       bad_rate: float = 0.0,
                       ports: dict[str, int] | None = None) -> Iterator[dict[str, str]]:
    """Yield ``{name: base_url}`` of simulators served by ``python -m simulators``."""
    env = dict(os.environ)
    env["LAPOR_HUB_SIM_BAD_RATE"] = str(bad_rate)
    if ports:
        env["LAPOR_HUB_SIM_PORTS"] = json.dumps(ports)
    cmd = [sys.executable, "-m", "simulators", "--seed", str(seed), "--n", str(n)]
    if only:
        cmd += ["--only", ",".join(only)]
    # Our own interpreter and module with numeric/known arguments: nothing untrusted here.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1, env=env)  # noqa: S603
    try:
        yield _wait_ready(proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_ready(proc: subprocess.Popen[str]) -> dict[str, str]:
    assert proc.stdout is not None
    urls: dict[str, str] = {}
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline().strip()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"simulators exited with code {proc.returncode}")
            continue
        if line == "ready":
            return urls
        name, _, url = line.partition(" ")
        if url.startswith("http"):
            urls[name] = url
    raise RuntimeError("simulators did not announce ready in time")


def root_of(base_url: str) -> str:
    """The simulator's root (for ``/_sim/*``) from the base URL the hub is given."""
    return base_url.split("/api")[0]
