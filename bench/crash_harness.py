"""Crash harness: SIGKILL ``lapor-hub sync --all`` at seeded random points, then check that
nothing was lost, nothing doubled, and the ledger agrees with LAPOR!.

``python bench/crash_harness.py --kills 200`` serves the simulators in their own process and
prints kills, duplicates, losses and elapsed time. ``tests/crash`` runs the same harness with
fewer kills against simulators served in the test process. Every sync is a real subprocess
(``python -m hub.cli sync --all --no-prefect``) talking HTTP to the simulators.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, col, select

from hub.core.models import Ticket
from hub.core.settings import PROJECT_ROOT
from hub.ledger.db import make_engine
from hub.ledger.tables import CursorRow, QuarantineRow, SendState, TicketRow, as_utc
from hub.mapping.loader import load_mappings

HUB_CMD = [sys.executable, "-m", "hub.cli", "sync", "--all", "--no-prefect"]


@dataclass
class HarnessConfig:
    database_url: str
    log_path: Path
    kills: int = 20
    seed: int = 1
    per_channel: int = 150
    bad_rate: float = 0.05
    kill_min_s: float = 0.05
    kill_max_s: float = 1.5
    lapor_latency_ms: int = 10


@dataclass
class Figures:
    kills: int = 0
    runs_finished_before_kill: int = 0
    final_runs: int = 0
    reports_before_final: int = 0  # how far the killed runs got: kills landed mid-sync
    source_records: int = 0
    reports: int = 0
    sent: int = 0
    quarantined: int = 0
    skipped: int = 0
    duplicates: int = 0
    losses: int = 0
    problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def line(self) -> str:
        return (f"kills={self.kills} duplicates={self.duplicates} losses={self.losses} "
                f"problems={len(self.problems)} source_records={self.source_records} "
                f"reports={self.reports} sent={self.sent} quarantined={self.quarantined} "
                f"skipped={self.skipped} finished_before_kill={self.runs_finished_before_kill} "
                f"reports_before_final={self.reports_before_final} "
                f"final_runs={self.final_runs} elapsed={self.elapsed_s:.1f}s")


def sandbox_credentials() -> dict[str, str]:
    """The simulators' sandbox credentials, as ``make demo`` loads them."""
    out: dict[str, str] = {}
    for line in (PROJECT_ROOT / "sandbox.env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            out[key.strip()] = value.strip().strip("'\"")
    return out


def hub_env(base_urls: dict[str, str], database_url: str,
            trust: dict[str, Path] | None = None, **extra: str) -> dict[str, str]:
    """The hub's environment for these simulators; ``trust`` names the certificate (PEM) of
    each one served over HTTPS (the sandbox's Dukcapil, self-signed like the real gateway)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_HUB_")}
    env.update(sandbox_credentials())
    for name, cafile in (trust or {}).items():
        env[f"LAPOR_HUB_{name.upper()}__CA_BUNDLE"] = str(cafile)
    for name, url in base_urls.items():
        prefix = f"LAPOR_HUB_{name.upper()}__"
        # Sandbox pacing (as tests/sandbox.py sets it): short backoff, so faults cost little time.
        env.update({prefix + "BASE_URL": url, prefix + "TIMEOUT_S": "2",
                    prefix + "BACKOFF_BASE_S": "0.01", prefix + "BACKOFF_MAX_S": "0.05"})
    if "siasn_auth" in base_urls:  # SIASN's tokens come from a host of their own
        auth = base_urls["siasn_auth"]
        env["LAPOR_HUB_SIASN__TOKEN_URL"] = f"{auth}/oauth2/token"
        env["LAPOR_HUB_SIASN__SSO_URL"] = \
            f"{auth}/auth/realms/public-siasn/protocol/openid-connect/token"
    env.update({"LAPOR_HUB_DATABASE_URL": database_url, "LAPOR_HUB_LOG_JSON": "true",
                "LAPOR_HUB_PAGE_SIZE": "25", "LAPOR_HUB_PUSH_BATCH_SIZE": "25",
                "LAPOR_HUB_PUSH_CONCURRENCY": "4", "LAPOR_HUB_RETRY_BASE_S": "0",
                "LAPOR_HUB_RETRY_MAX_S": "0", "LAPOR_HUB_AMBIGUOUS_SETTLE_S": "0.2"})
    env.update(extra)
    return env


class Sims:
    """The simulators' admin API (``/_sim/*``), by simulator name."""

    def __init__(self, roots: dict[str, str], trust: dict[str, Path] | None = None) -> None:
        self.roots = roots
        self._trust = trust or {}

    def verify(self, name: str) -> ssl.SSLContext | bool:
        cafile = self._trust.get(name)
        return ssl.create_default_context(cafile=str(cafile)) if cafile else True

    def post(self, name: str, action: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.roots[name]}/_sim/{action}", json=body, timeout=60,
                              verify=self.verify(name))
        response.raise_for_status()
        return response.json()

    def state(self, name: str) -> dict[str, Any]:
        response = httpx.get(f"{self.roots[name]}/_sim/state", timeout=60,
                             verify=self.verify(name))
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def pulled_channels(sims: Sims) -> list[str]:
    """Channels with a mapping whose simulator serves records to pull (not pushed to the intake)."""
    names = {p.stem for p in (PROJECT_ROOT / "mappings").glob("*.yaml")}
    return sorted(n for n in names & set(sims.roots) if "records" in sims.state(n))


def prepare(sims: Sims, cfg: HarnessConfig) -> list[str]:
    for name in sims.roots:
        sims.post(name, "reset", {})
    channels = pulled_channels(sims)
    for name in channels:
        sims.post(name, "seed", {"n": cfg.per_channel, "seed": cfg.seed, "bad_rate": cfg.bad_rate})
    if "dukcapil" in sims.roots:
        sims.post("dukcapil", "seed", {"n": 2000, "seed": cfg.seed})
    sims.post("lapor", "faults", {"latency_ms": cfg.lapor_latency_ms})
    return channels


def _startup_s() -> float:
    """How long the hub's CLI takes to import, so kill points land in the sync, not before it."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import hub.cli"], check=True)
    return time.monotonic() - started


def kill_loop(cfg: HarnessConfig, env: dict[str, str], figures: Figures) -> None:
    rng = random.Random(cfg.seed)
    startup = _startup_s()
    with cfg.log_path.open("ab") as log:
        while figures.kills < cfg.kills:
            # Reclaiming stranded rows at once half the time puts crashes inside recovery too.
            run_env = {**env, "LAPOR_HUB_SENDING_LEASE_S": rng.choice(("0", "300"))}
            delay = startup + rng.uniform(cfg.kill_min_s, cfg.kill_max_s)
            proc = subprocess.Popen(HUB_CMD, env=run_env, stdout=log, stderr=log,
                                    cwd=PROJECT_ROOT)
            try:
                _check_exit(proc.wait(timeout=delay), cfg.log_path)
                figures.runs_finished_before_kill += 1
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                figures.kills += 1
            if figures.runs_finished_before_kill > 3 * cfg.kills:
                raise RuntimeError("runs keep finishing before the kill point: more data needed")


def _check_exit(code: int, log_path: Path) -> None:
    # 0: synced; 1: a channel reported an error (faults) and the rest synced. Anything else is a
    # broken run (configuration, crash), which would make every figure meaningless.
    if code not in (0, 1):
        tail = log_path.read_bytes()[-2000:].decode(errors="replace")
        raise RuntimeError(f"hub run exited with {code}; log tail:\n{tail}")


def unsettled(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return len(list(session.exec(select(TicketRow.id).where(
                col(TicketRow.state).in_([SendState.pending, SendState.sending])))))
    finally:
        engine.dispose()


def finish(cfg: HarnessConfig, env: dict[str, str], figures: Figures) -> None:
    """Runs to completion with a zero lease, until nothing is pending or sending."""
    final_env = {**env, "LAPOR_HUB_SENDING_LEASE_S": "0"}
    with cfg.log_path.open("ab") as log:
        for _ in range(6):
            done = subprocess.run(HUB_CMD, env=final_env, stdout=log, stderr=log, timeout=300,
                                  cwd=PROJECT_ROOT, check=False)
            _check_exit(done.returncode, cfg.log_path)
            figures.final_runs += 1
            if not unsettled(cfg.database_url):
                return
            time.sleep(0.3)


def verify(sims: Sims, channels: list[str], database_url: str, figures: Figures) -> None:
    mappings = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")
    reports = sims.state("lapor")["reports"]
    figures.reports = len(reports)
    by_origin = Counter((r["sumber"], str(r["ref_eksternal"])) for r in reports)
    figures.duplicates = sum(n - 1 for n in by_origin.values())
    tracking = {r["tracking_id"]: (r["sumber"], str(r["ref_eksternal"])) for r in reports}
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = {(r.channel, r.source_id): r for r in session.exec(select(TicketRow))}
        open_q = {(q.channel, q.source_id) for q in session.exec(select(QuarantineRow).where(
            col(QuarantineRow.resolved_at).is_(None)))}
        cursors = {c.channel: c for c in session.exec(select(CursorRow))}
    engine.dispose()
    owned = {mappings[c].sumber for c in channels}
    ledger_tracking = {r.tracking_id for r in rows.values() if r.state == SendState.sent}
    for tid, (sumber, ref) in tracking.items():
        if sumber in owned and tid not in ledger_tracking:
            figures.problems.append(f"LAPOR! holds {sumber}/{ref} ({tid}) the ledger never sent")
    for (channel, source_id), row in rows.items():
        expected = (mappings[channel].sumber, source_id)
        if row.state == SendState.sent and tracking.get(row.tracking_id or "") != expected:
            figures.problems.append(f"{channel}/{source_id}: ledger tracking id "
                                    f"{row.tracking_id} is not that report in LAPOR!")
    for channel in channels:
        mapping = mappings[channel]
        for raw in sims.state(channel)["records"]:
            figures.source_records += 1
            sid = mapping.source_id(raw)
            found = rows.get((channel, sid or ""))
            state = found.state if found else None
            if state == SendState.sent and by_origin[(mapping.sumber, sid or "")] >= 1:
                figures.sent += 1
            elif state == SendState.skipped:
                figures.skipped += 1
            elif state == SendState.quarantined or (channel, sid) in open_q:
                figures.quarantined += 1
            else:
                figures.losses += 1
                figures.problems.append(f"{channel}/{sid}: lost (ledger state {state})")
        _check_cursor(channel, cursors.get(channel), rows, figures)


def _check_cursor(channel: str, cursor: CursorRow | None, rows: dict[tuple[str, str], TicketRow],
                  figures: Figures) -> None:
    stamps = [as_utc(Ticket.model_validate_json(r.payload).diperbarui)
              for (c, _), r in rows.items() if c == channel]
    if cursor is None or (stamps and cursor.watermark is None):
        figures.problems.append(f"{channel}: no watermark after a complete pull")
    elif stamps and cursor.watermark is not None and as_utc(cursor.watermark) > max(stamps):
        figures.problems.append(f"{channel}: watermark is past every record the ledger stored")


def run_harness(cfg: HarnessConfig, roots: dict[str, str], base_urls: dict[str, str],
                trust: dict[str, Path] | None = None) -> Figures:
    started = time.monotonic()
    sims, figures = Sims(roots, trust), Figures()
    channels = prepare(sims, cfg)
    env = hub_env(base_urls, cfg.database_url, trust)
    kill_loop(cfg, env, figures)
    figures.reports_before_final = len(sims.state("lapor")["reports"])
    finish(cfg, env, figures)
    if unsettled(cfg.database_url):
        figures.problems.append(f"{unsettled(cfg.database_url)} tickets still unsettled")
    reports_before = len(sims.state("lapor")["reports"])
    finish(cfg, env, Figures())  # one more complete run must change nothing in LAPOR!
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
    print(json.dumps({"kills": figures.kills, "duplicates": figures.duplicates,
                      "losses": figures.losses, "elapsed_s": round(figures.elapsed_s, 1)}))
    return 0 if not figures.problems and not figures.duplicates else 1


if __name__ == "__main__":
    sys.exit(main())
