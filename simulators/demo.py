"""``make demo``: the sandbox simulators in their own process, two sync runs through Prefect's
local mode, and a check against what the LAPOR! simulator received.

This lives beside the simulators, not in the hub, because it reads the sandbox's admin API
(``/_sim/state``) to prove the result; the hub itself only sees its configured base URLs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

import httpx
from rich.console import Console
from rich.table import Table

READY_TIMEOUT_S = 60.0


def start_simulators(tickets: int, seed: int, bad_rate: float) -> tuple[subprocess.Popen[str],
                                                                         dict[str, str]]:
    cmd = [sys.executable, "-m", "hub.cli", "simulate", "--tickets", str(tickets),
           "--seed", str(seed), "--bad-rate", str(bad_rate)]
    # Our own interpreter and CLI with numeric arguments: nothing untrusted reaches the command.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)  # noqa: S603
    urls: dict[str, str] = {}
    deadline = time.monotonic() + READY_TIMEOUT_S
    stream: IO[str] | None = proc.stdout
    assert stream is not None
    while time.monotonic() < deadline:
        line = stream.readline().strip()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"simulators exited with code {proc.returncode}")
            continue
        if line == "ready":
            return proc, urls
        name, _, url = line.partition(" ")
        if url.startswith("http"):
            urls[name] = url
    proc.terminate()
    raise RuntimeError("simulators did not report ready in time")


def lapor_state(lapor_url: str) -> list[dict[str, object]]:
    root = lapor_url.split("/api/")[0]
    response = httpx.get(f"{root}/_sim/state", timeout=30)
    response.raise_for_status()
    reports: list[dict[str, object]] = response.json()["reports"]
    return reports


def run_demo(console: Console, tickets: int = 200, seed: int = 42, bad_rate: float = 0.03) -> int:
    from hub.cli import run_sync_command

    console.rule("[bold]lapor-hub demo")
    console.print(f"starting sandbox simulators ({tickets} tickets per channel, seed {seed})…")
    proc, urls = start_simulators(tickets, seed, bad_rate)
    try:
        for name, url in urls.items():
            console.print(f"  {name:14} {url}")
            os.environ[f"LAPOR_HUB_{name.upper()}__BASE_URL"] = url
        code = 0
        for attempt in ("first run", "second run (nothing new: must add no duplicates)"):
            console.rule(f"sync --all, {attempt}")
            code = max(code, run_sync_command(channels=None, all_channels=True, prefect=True))
        reports = lapor_state(urls["lapor"])
        origins = Counter((str(r["sumber"]), str(r["ref_eksternal"])) for r in reports)
        dupes = sum(n - 1 for n in origins.values() if n > 1)
        table = Table(title="what the SP4N-LAPOR! simulator holds")
        for column in ("sumber", "reports", "distinct tickets", "duplicates"):
            table.add_column(column)
        for sumber in sorted({s for s, _ in origins}):
            mine = {k: v for k, v in origins.items() if k[0] == sumber}
            table.add_row(sumber, str(sum(mine.values())), str(len(mine)),
                          str(sum(v - 1 for v in mine.values())))
        console.print(table)
        console.print("[green]exactly once: no duplicates[/]" if dupes == 0 else
                       f"[red]{dupes} duplicate reports in LAPOR![/]")
        console.print(f"ledger: {Path(os.environ.get('LAPOR_HUB_DATABASE_URL', 'var/ledger.db'))}"
                      " · details: `.venv/bin/lapor-hub status`")
        return code or (1 if dupes else 0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
