"""``lapor-hub quarantine``: what was stopped and why, with the raw payload masked; replay."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.core.settings import get_settings
from hub.privacy.logging import configure_logging, safe_message
from hub.sync.pipeline import Hub
from hub.sync.quarantine import (
    QuarantineNotFound,
    ReplayOutcome,
    list_entries,
    replay,
    replay_by_reason,
    show_entry,
)

quarantine_app = typer.Typer(no_args_is_help=True, add_completion=False,
                             help="Records stopped with a reason: list, show, replay.")
console = Console(stderr=False)
err = Console(stderr=True)


def _hub() -> Hub:
    settings = get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    try:
        return Hub.from_settings(settings)
    except ValueError as exc:
        err.print(f"[red]configuration error:[/] {safe_message(exc)}")
        raise typer.Exit(2) from exc


@quarantine_app.command("list")
def list_command(
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    reason: Annotated[str | None, typer.Option(help="only this reason")] = None,
    resolved: Annotated[bool, typer.Option("--all", help="resolved entries too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
) -> None:
    """Open quarantine entries, oldest first."""
    entries = list_entries(_hub(), channel, reason, include_resolved=resolved)
    if as_json:
        console.print_json(json.dumps([e.model_dump(mode="json") for e in entries]))
        return
    table = Table(title=f"quarantine ({len(entries)})")
    for column in ("id", "channel", "source id", "stage", "reason", "detail", "since"):
        table.add_column(column)
    for e in entries:
        table.add_row(str(e.id), e.channel, e.source_id or "-", e.stage, e.reason,
                      e.detail[:120], e.created_at.isoformat(timespec="seconds"))
    console.print(table)


@quarantine_app.command("show")
def show_command(
    entry_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
) -> None:
    """One entry: reason, detail, schema path, masked raw payload and its audit history."""
    try:
        entry = show_entry(_hub(), entry_id)
    except QuarantineNotFound as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        console.print_json(entry.model_dump_json())
        return
    console.print(f"[bold]#{entry.id}[/] {entry.channel} {entry.source_id or '-'} "
                  f"(version {entry.source_version or '-'}), since "
                  f"{entry.created_at.isoformat(timespec='seconds')}, run {entry.run_id or '-'}")
    console.print(f"stage [bold]{entry.stage}[/], reason [bold red]{entry.reason}[/]"
                  f"{f', resolved: {entry.resolution}' if entry.resolution else ''}, "
                  f"replays {entry.replay_count}")
    console.print(f"detail: {entry.detail}", highlight=False)
    console.print(f"schema path: {entry.schema_path or '-'}", highlight=False)
    console.print("raw payload (masked):")
    console.print_json(json.dumps(entry.raw_masked, ensure_ascii=False, default=str))
    if entry.history:
        table = Table(title="history")
        for column in ("at", "event", "from", "to", "detail"):
            table.add_column(column)
        for h in entry.history:
            table.add_row(h.at.isoformat(timespec="seconds"), h.event, h.from_state or "",
                          h.to_state or "", (h.detail or "")[:120])
        console.print(table)


@quarantine_app.command("replay")
def replay_command(
    entry_id: Annotated[int | None, typer.Argument(metavar="[ID]")] = None,
    reason: Annotated[str | None, typer.Option(help="replay every open entry with it")] = None,
    channel: Annotated[str | None, typer.Option(help="with --reason: only this channel")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="outcomes as JSON")] = False,
) -> None:
    """Run the stored raw record through the current schema and mapping again."""
    if (entry_id is None) == (reason is None):
        err.print("give either an ID or --reason")
        raise typer.Exit(2)
    hub, run_id = _hub(), f"replay-{uuid.uuid4().hex[:12]}"
    try:
        outcomes = ([replay(hub, entry_id, run_id)] if entry_id is not None
                    else replay_by_reason(hub, reason or "", channel, run_id))
    except (QuarantineNotFound, ValueError) as exc:
        err.print(f"[red]{safe_message(exc)}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        console.print_json(json.dumps([_outcome(o) for o in outcomes]))
    else:
        _report(outcomes)
    if any(not o.replayed for o in outcomes):
        raise typer.Exit(1)


def _outcome(o: ReplayOutcome) -> dict[str, object]:
    return {"id": o.id, "channel": o.channel, "source_id": o.source_id, "replayed": o.replayed,
            "reason": o.reason, "detail": safe_message(Exception(o.detail)) if o.detail else None}


def _report(outcomes: list[ReplayOutcome]) -> None:
    for o in outcomes:
        if o.replayed:
            console.print(f"#{o.id} {o.channel} {o.source_id or '-'}: [green]replayed[/]")
        else:
            console.print(f"#{o.id} {o.channel} {o.source_id or '-'}: [red]still quarantined"
                          f"[/] ({o.reason}) {o.detail or ''}", highlight=False)
    done = sum(o.replayed for o in outcomes)
    console.print(f"{done} replayed, {len(outcomes) - done} still quarantined")
