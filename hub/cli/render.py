"""Rich tables for the CLI: a run's summary and the ledger status."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from hub.ledger.queries import ChannelStatus, tracking_ids
from hub.ledger.sync_queries import SyncStatus
from hub.ledger.unsettled import Unsettled, describe
from hub.reconcile.summary import ReconcileSummary
from hub.sync.summary import SyncSummary


def render_summary(console: Console, summary: SyncSummary, engine: Engine) -> None:
    table = Table(title=f"sync run {summary.run_id}")
    for column in ("channel", "pulled", "new", "updated", "quarantined", "skipped", "sent",
                   "recovered", "unrouted", "retry later", "push quarantined", "adopted",
                   "awaiting city", "doubtful", "not found", "error"):
        table.add_column(column, justify="left" if column in ("channel", "error") else "right")
    for c in summary.channels.values():
        counts = (c.pulled, c.new, c.updated, c.quarantined, c.skipped, c.sent, c.recovered,
                  c.unrouted, c.retried, c.push_quarantined, c.adopted, c.awaiting_city,
                  c.doubtful, c.not_found)
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
            watermark += " (pull unfinished: the next one resumes)"
        s = r.states
        table.add_row(r.channel, str(r.total), str(s["pending"]), str(s["sending"]),
                      str(s["sent"]), str(s["quarantined"]), str(s["skipped"]), identity,
                      quarantine, watermark)
    console.print(table)


def render_unsettled(console: Console, rows: list[Unsettled]) -> None:
    """Tickets neither sent nor quarantined: per channel, why and when they are tried again."""
    if not rows:
        console.print("every ticket is settled (sent, quarantined or skipped)")
        return
    table = Table(title="not settled yet")
    for column in ("channel", "held by a live run", "left by a gone run", "awaiting lookup",
                   "retry later", "due now", "why and when"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.channel, str(r.held), str(r.stranded), str(r.lookup), str(r.retry),
                      str(r.due), describe(r))
    console.print(table)


def render_sync_status(console: Console, status: SyncStatus) -> None:
    """Two-way sync: statuses on both sides, how many agree, officers, refused input."""
    table = Table(title="two-way sync (SP4N-LAPOR! / channel)")
    for column in ("channel", "tickets", "in agreement", "LAPOR! / channel statuses", "officers"):
        table.add_column(column)
    for c in status.channels:
        pairs = ", ".join(f"{k} {v}" for k, v in sorted(c.pairs.items(), key=lambda kv: -kv[1]))
        officers = ", ".join(f"{k} {v}" for k, v in sorted(c.officers.items()))
        table.add_row(c.channel, str(c.tickets), f"{c.agree}/{c.tickets}", pairs, officers)
    console.print(table)
    if status.issues:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(status.issues.items()))
        console.print(f"[yellow]sync issues (not applied):[/] {shown}")


def render_reconcile(console: Console, summary: ReconcileSummary) -> None:
    s = summary
    console.print(f"reconcile {s.run_id}: {s.lapor_changes} LAPOR! changes, {s.tickets} tickets; "
                  f"wrote {s.to_lapor} to LAPOR!, {s.to_channel} to channels; {s.echoes} echoes "
                  f"ignored; {s.conflicts} conflicts; {s.issues} refused; {s.write_failures} "
                  f"failed writes; officers {s.officers_assigned} assigned, "
                  f"{s.officers_transferred} transferred")
    for name, error in s.errors.items():
        console.print(f"[red]{name}:[/] {error}")
    for line in s.unavailable:
        console.print(f"[yellow]unavailable:[/] {line}")
