"""Rich tables for the CLI: a run's summary and the ledger status."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from hub.ledger.queries import ChannelStatus, tracking_ids
from hub.pipeline import SyncSummary


def render_summary(console: Console, summary: SyncSummary, engine: Engine) -> None:
    table = Table(title=f"sync run {summary.run_id}")
    for column in ("channel", "pulled", "new", "updated", "quarantined", "skipped", "sent",
                   "recovered", "retry later", "push quarantined", "error"):
        table.add_column(column, justify="left" if column in ("channel", "error") else "right")
    for c in summary.channels.values():
        counts = (c.pulled, c.new, c.updated, c.quarantined, c.skipped, c.sent, c.recovered,
                  c.retried, c.push_quarantined)
        table.add_row(c.channel, *map(str, counts), c.error or "")
    console.print(table)
    for name in summary.channels:
        ids = tracking_ids(engine, name)
        if ids:
            shown = ", ".join(f"{src}→{tid}" for src, tid in ids)
            console.print(f"[bold]{name}[/] latest LAPOR! tracking ids: {shown}")


def render_status(console: Console, rows: list[ChannelStatus]) -> None:
    table = Table(title="ledger")
    for column in ("channel", "total", "pending", "sending", "sent", "quarantined", "skipped",
                   "identity (sent)", "open quarantine", "watermark"):
        table.add_column(column)
    for r in rows:
        identity = ", ".join(f"{k} {v}" for k, v in sorted(r.identity.items()))
        quarantine = ", ".join(f"{k} {v}" for k, v in sorted(r.quarantine_open.items()))
        watermark = r.watermark.isoformat(timespec="seconds") if r.watermark else "-"
        if r.resume_pending:
            watermark += " (pull interrupted; resumes)"
        s = r.states
        table.add_row(r.channel, str(r.total), str(s["pending"]), str(s["sending"]),
                      str(s["sent"]), str(s["quarantined"]), str(s["skipped"]), identity,
                      quarantine, watermark)
    console.print(table)
