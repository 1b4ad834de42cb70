"""Crash harness: SIGKILL ``lapor-hub sync --all`` at seeded random points, then check that
nothing was lost, nothing doubled, and the ledger agrees with LAPOR!.

``python bench/crash_harness.py --kills 200`` serves the simulators in their own process and
prints kills, duplicates, losses, elapsed time and, per kill, how many tickets the killed run
left ``sending`` and how long the next run (started at once, and not killed before) took to
settle every one of them, under a lease of five minutes: only proving the dead holder gone frees
them sooner. ``tests/crash`` runs the same harness with fewer kills against simulators served in
the test process. Every sync is a real subprocess (``python -m hub.cli sync --all
--no-prefect``) talking HTTP to the simulators.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from crash_support import Figures, HarnessConfig, Sims, hub_env, prepare, verify
from sqlalchemy import inspect
from sqlmodel import Session, col, select

from hub.core.settings import PROJECT_ROOT
from hub.ledger.db import make_engine
from hub.ledger.tables import SendState, TicketRow

HUB_CMD = [sys.executable, "-m", "hub.cli", "sync", "--all", "--no-prefect"]
LEASE_S = "300"  # far longer than a recovery may take: the lease is never what frees a row
RECOVERY_LIMIT_S = 120.0  # a run that has not settled the last kill's rows by then is killed anyway


def _startup_s() -> float:
    """How long the hub's CLI takes to import, so kill points land in the sync, not before it."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import hub.cli"], check=True)
    return time.monotonic() - started


def _ids(database_url: str, *states: SendState) -> set[int]:
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table("ticket"):  # killed before its first migration ran
            return set()
        with Session(engine) as session:
            return {i for i in session.exec(select(TicketRow.id).where(
                col(TicketRow.state).in_(states))) if i is not None}
    finally:
        engine.dispose()


def unsettled(database_url: str) -> int:
    return len(_ids(database_url, SendState.pending, SendState.sending))


class Recovery:
    """Per kill: the rows the killed run left ``sending``, and how long until all are settled."""

    def __init__(self, database_url: str, figures: Figures) -> None:
        self._url, self._figures = database_url, figures
        self._open: list[tuple[set[int], float]] = []
        self._engine = make_engine(database_url)

    def killed(self) -> None:
        held = _ids(self._url, SendState.sending)
        self._figures.held_at_kill.append(len(held))
        if held:
            self._open.append((held, time.monotonic()))

    def poll(self) -> None:
        if not self._open:
            return
        watched = set().union(*(ids for ids, _ in self._open))
        with Session(self._engine) as session:
            waiting = set(session.exec(select(TicketRow.id).where(
                col(TicketRow.id).in_(watched),
                col(TicketRow.state).in_([SendState.pending, SendState.sending]))))
        for entry in [e for e in self._open if not e[0] & waiting]:
            self._figures.recovery_s.append(time.monotonic() - entry[1])
            self._open.remove(entry)

    @property
    def outstanding(self) -> int:
        return len(self._open)


def _run(env: dict[str, str], log: IO[bytes], limit_s: float, recovery: Recovery,
         after_s: float = 0.0) -> int | None:
    """One hub run, watched; its exit code, or ``None`` when it was SIGKILLed.

    It is killed at ``limit_s``, but never before it settled what the last killed run held: then
    ``after_s`` after that, so every kill's recovery is measured on the run right after it.
    """
    proc = subprocess.Popen(HUB_CMD, env=env, stdout=log, stderr=log, cwd=PROJECT_ROOT)
    started = time.monotonic()
    deadline = started + limit_s
    while proc.poll() is None:
        waiting = recovery.outstanding and time.monotonic() < started + RECOVERY_LIMIT_S
        if waiting:
            deadline = max(deadline, time.monotonic() + after_s)
        elif time.monotonic() >= deadline:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return None
        recovery.poll()
        time.sleep(0.05)
    recovery.poll()
    return proc.returncode


def kill_loop(cfg: HarnessConfig, env: dict[str, str], figures: Figures,
              recovery: Recovery) -> None:
    rng = random.Random(cfg.seed)
    startup = figures.startup_s = _startup_s()
    with cfg.log_path.open("ab") as log:
        while figures.kills < cfg.kills:
            after = rng.uniform(cfg.kill_min_s, cfg.kill_max_s)
            code = _run({**env, "LAPOR_HUB_SENDING_LEASE_S": LEASE_S}, log, startup + after,
                        recovery, after)
            if code is None:
                figures.kills += 1
                recovery.killed()
            else:
                _check_exit(code, cfg.log_path)
                figures.runs_finished_before_kill += 1
            if figures.runs_finished_before_kill > 3 * cfg.kills:
                raise RuntimeError("runs keep finishing before the kill point: more data needed")


def _check_exit(code: int, log_path: Path) -> None:
    # 0: synced; 1: tickets left to retry or a channel reported an error (faults). Anything else
    # is a broken run (configuration, crash), which would make every figure meaningless.
    if code not in (0, 1):
        tail = log_path.read_bytes()[-2000:].decode(errors="replace")
        raise RuntimeError(f"hub run exited with {code}; log tail:\n{tail}")


def finish(cfg: HarnessConfig, env: dict[str, str], figures: Figures,
           recovery: Recovery) -> None:
    """Runs to completion (same long lease), until nothing is pending or sending."""
    with cfg.log_path.open("ab") as log:
        for _ in range(6):
            code = _run({**env, "LAPOR_HUB_SENDING_LEASE_S": LEASE_S}, log, 300, recovery)
            if code is None:
                raise RuntimeError("a final run did not finish within 300 s")
            _check_exit(code, cfg.log_path)
            figures.final_runs += 1
            if not unsettled(cfg.database_url):
                return
            time.sleep(0.3)


def run_harness(cfg: HarnessConfig, roots: dict[str, str],
                base_urls: dict[str, str]) -> Figures:
    started = time.monotonic()
    sims, figures = Sims(roots), Figures()
    channels = prepare(sims, cfg)
    env = hub_env(base_urls, cfg.database_url)
    recovery = Recovery(cfg.database_url, figures)
    kill_loop(cfg, env, figures, recovery)
    figures.reports_before_final = len(sims.state("lapor")["reports"])
    finish(cfg, env, figures, recovery)
    if recovery.outstanding:
        figures.problems.append(f"{recovery.outstanding} kills left tickets never settled")
    if unsettled(cfg.database_url):
        figures.problems.append(f"{unsettled(cfg.database_url)} tickets still unsettled")
    reports_before = len(sims.state("lapor")["reports"])
    finish(cfg, env, Figures(), recovery)  # one more complete run must change nothing in LAPOR!
    if len(sims.state("lapor")["reports"]) != reports_before:
        figures.problems.append("an extra run after settling sent reports again")
    verify(sims, channels, cfg.database_url, figures)
    figures.elapsed_s = time.monotonic() - started
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    from simulators.process import simulators_process
    from simulators.runner import API_PATHS, SIMULATORS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-channel", type=int, default=1500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crash-harness-"))
    cfg = HarnessConfig(database_url=args.database_url or f"sqlite:///{workdir}/ledger.db",
                        log_path=workdir / "hub-runs.log", kills=args.kills, seed=args.seed,
                        per_channel=args.per_channel)
    ports = {name: _free_port() for name in SIMULATORS}
    with simulators_process(seed=args.seed, n=0, ports=ports) as base_urls:
        roots = {n: url.removesuffix(API_PATHS[n]) if API_PATHS[n] else url
                 for n, url in base_urls.items()}
        figures = run_harness(cfg, roots, base_urls)
    print(figures.line())
    for problem in figures.problems[:20]:
        print("  ", problem)
    print(f"hub logs: {cfg.log_path}")
    print(figures.per_kill())
    print(json.dumps({"kills": figures.kills, "duplicates": figures.duplicates,
                      "losses": figures.losses, "elapsed_s": round(figures.elapsed_s, 1),
                      "held_at_kill": figures.held_at_kill,
                      "recovery_s": [round(r, 2) for r in figures.recovery_s]}))
    return 0 if not figures.problems and not figures.duplicates else 1


if __name__ == "__main__":
    sys.exit(main())
