"""What the crash harness shares with the tests: its configuration and figures, the hub's
environment for a sandbox run, the simulators' admin API, seeding, and the final check that
nothing was lost or doubled and that the ledger agrees with LAPOR!."""

from __future__ import annotations

import os
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
    held_at_kill: list[int] = field(default_factory=list)  # rows each killed run left sending
    # Per kill that left rows sending: seconds from the kill (the next run starts at once) until
    # every one of them was settled.
    recovery_s: list[float] = field(default_factory=list)
    startup_s: float = 0.0  # importing the CLI: no run can deliver anything sooner

    def per_kill(self) -> str:
        held = f"held_at_kill max={max(self.held_at_kill, default=0)}"
        if not self.recovery_s:
            return f"{held}; no kill left rows sending"
        ordered = sorted(self.recovery_s)
        return (f"{held} mean={sum(self.held_at_kill) / len(self.held_at_kill):.1f}; the next "
                f"run settled what the killed one held in: n={len(ordered)} "
                f"median={ordered[len(ordered) // 2]:.2f}s max={ordered[-1]:.2f}s "
                f"(CLI start-up alone {self.startup_s:.2f}s; lease 300 s)")

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


def hub_env(base_urls: dict[str, str], database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_HUB_")}
    env.update(sandbox_credentials())
    for name, url in base_urls.items():
        prefix = f"LAPOR_HUB_{name.upper()}__"
        # Sandbox pacing (as tests/sandbox.py sets it): short backoff, so faults cost little time.
        env.update({prefix + "BASE_URL": url, prefix + "TIMEOUT_S": "2",
                    prefix + "BACKOFF_BASE_S": "0.01", prefix + "BACKOFF_MAX_S": "0.05"})
    env.update({"LAPOR_HUB_DATABASE_URL": database_url, "LAPOR_HUB_LOG_JSON": "true",
                "LAPOR_HUB_PAGE_SIZE": "25", "LAPOR_HUB_PUSH_BATCH_SIZE": "25",
                "LAPOR_HUB_PUSH_CONCURRENCY": "4", "LAPOR_HUB_RETRY_BASE_S": "0",
                "LAPOR_HUB_RETRY_MAX_S": "0", "LAPOR_HUB_AMBIGUOUS_SETTLE_S": "0.2"})
    env.update(extra)
    return env


class Sims:
    """The simulators' admin API (``/_sim/*``), by simulator name."""

    def __init__(self, roots: dict[str, str]) -> None:
        self.roots = roots

    def post(self, name: str, action: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.roots[name]}/_sim/{action}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def state(self, name: str) -> dict[str, Any]:
        response = httpx.get(f"{self.roots[name]}/_sim/state", timeout=60)
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
