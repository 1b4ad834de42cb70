"""``lapor-hub``: the command line of the hub (typer + rich)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from hub.cli.config import config_app
from hub.cli.cursor import cursor_app
from hub.cli.errors import HubTyper, describe_config_error
from hub.cli.flowrun import run_flow
from hub.cli.officers import officers_app
from hub.cli.quarantine import quarantine_app
from hub.cli.render import render_status, render_summary, render_unsettled
from hub.cli.view import register_view_commands
from hub.core.settings import get_settings
from hub.ledger.queries import ledger_status, state_counts
from hub.ledger.unsettled import describe as describe_unsettled
from hub.ledger.unsettled import unsettled
from hub.privacy.logging import configure_logging, safe_message
from hub.service.hints import with_hint
from hub.service.prefect_env import configure_prefect_env
from hub.sync.pipeline import Hub
from hub.sync.summary import SyncSummary

app = HubTyper(no_args_is_help=True, add_completion=False,
                  help="Sync local complaint channels into SP4N-LAPOR!, exactly once.")
# Piped output (CI, `make demo | tee`) gets a width that fits the summary table.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(officers_app, name="officers")
app.add_typer(cursor_app, name="cursor")
app.add_typer(config_app, name="config")
register_view_commands(app)  # apikey, api, remind, report


def _hub() -> Hub:
    try:
        settings = get_settings()
    except ValueError as exc:  # e.g. a base URL with user:password@ in it
        line = describe_config_error(exc) or safe_message(exc)
        err.print(f"[red]configuration error:[/] {line}", soft_wrap=True)
        raise typer.Exit(2) from exc
    configure_logging(json=settings.log_json, level=settings.log_level)
    try:
        return Hub.from_settings(settings)
    except ValueError as exc:  # a broken mapping file or schema: say which and stop
        err.print(f"[red]configuration error:[/] {safe_message(exc)}")
        raise typer.Exit(2) from exc


def _watch_progress(hub: Hub, channels: list[str], done: threading.Event) -> None:
    """Poll the ledger while the flow runs: the bar grows as pulls store and pushes finish."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), console=err, transient=True) as progress:
        bar = progress.add_task("syncing", total=None)
        while not done.wait(0.3):
            counts = state_counts(hub.engine, channels)
            total = sum(sum(c.values()) for c in counts.values())
            finished = sum(c.get("sent", 0) + c.get("quarantined", 0) + c.get("skipped", 0)
                           for c in counts.values())
            progress.update(bar, total=total or None, completed=finished,
                            description=f"syncing {', '.join(channels)}")


@app.command()
def sync(
    channels: Annotated[list[str] | None, typer.Argument(help="channels to sync")] = None,
    all_channels: Annotated[bool, typer.Option("--all", help="every configured channel")] = False,
    prefect: Annotated[bool, typer.Option(help="run as a Prefect flow (local mode "
                                          "unless PREFECT_API_URL is set)")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="the summary as JSON")] = False,
    processes: Annotated[int, typer.Option(
        min=1, max=64, help="processes sending to LAPOR! (with --no-prefect; under Prefect, "
                            "run more workers instead)")] = 1,
) -> None:
    """One sync run: pull new and changed tickets, push them to SP4N-LAPOR!."""
    code = run_sync_command(channels, all_channels, prefect, as_json, processes)
    if code:
        raise typer.Exit(code)


def run_sync_command(channels: list[str] | None, all_channels: bool, prefect: bool,
                     as_json: bool = False, processes: int = 1) -> int:
    if not channels and not all_channels:
        err.print("name one or more channels, or use --all")
        return 2
    if processes > 1 and prefect:
        err.print("--processes needs --no-prefect; under Prefect, start more workers on the "
                  "work pool (README: several workers)")
        return 2
    hub = _hub()
    try:
        names = hub.check_channels(None if all_channels else channels)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        return 2
    done = threading.Event()
    watcher = threading.Thread(target=_watch_progress, args=(hub, names, done), daemon=True)
    if err.is_terminal:
        watcher.start()
    try:
        summary = _run_sync(hub, names, prefect, processes)
    finally:
        done.set()
        if watcher.is_alive():
            watcher.join()
    if as_json:
        console.print_json(summary.model_dump_json())
    else:
        render_summary(console, summary, hub.engine)
    for channel, message in summary.errors.items():
        message = with_hint(channel, message, hub.settings)
        err.print(f"[red]{channel}: could not sync:[/] {safe_message(Exception(message))}")
    left = unsettled(hub.engine, names, hub.settings.sending_lease_s)
    if left:
        # A clean finish is the only exit 0: say how many are left, why, and when they are tried.
        total = sum(row.count for row in left)
        last = next((row.last_error for row in left if row.last_error), None)
        reason = f"; last error: {safe_message(Exception(last))}" if last else ""
        err.print(f"[yellow]{total} ticket(s) not sent yet{reason}[/]")
        for row in left:
            err.print(f"[yellow]  {row.channel}: {describe_unsettled(row)}[/]")
    return 1 if summary.errors or left else 0


def _run_sync(hub: Hub, names: list[str], prefect: bool, processes: int = 1) -> SyncSummary:
    if not prefect:
        from hub.sync.processes import sync_in_processes

        return asyncio.run(sync_in_processes(hub, names, processes, uuid.uuid4().hex,
                                             json_logs=hub.settings.log_json,
                                             level=hub.settings.log_level))
    configure_prefect_env()
    from flows.sync import sync_flow
    from hub.service.runtime import use_hub

    use_hub(hub)
    _ok, summary = run_flow(sync_flow(names, return_state=True))
    return summary  # type: ignore[no-any-return]


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
           ) -> None:
    """Ledger counts per channel and send state, open quarantine, cursors, both sides' statuses."""
    from hub.cli.render import render_sync_status
    from hub.ledger.sync_queries import sync_status

    hub = _hub()
    rows, two_way = ledger_status(hub.engine), sync_status(hub.engine)
    left = unsettled(hub.engine, None, hub.settings.sending_lease_s)
    if as_json:
        console.print_json(json.dumps({"channels": [r.model_dump(mode="json") for r in rows],
                                       "two_way": two_way.model_dump(mode="json"),
                                       "unsettled": [u.model_dump(mode="json") for u in left]}))
    else:
        render_status(console, rows)
        render_unsettled(console, left)
        render_sync_status(console, two_way)


@app.command()
def reconcile(
    channels: Annotated[list[str] | None, typer.Argument(help="channels to pull first")] = None,
    rounds: Annotated[int, typer.Option(help="rounds to run, one after another")] = 1,
    prefect: Annotated[bool, typer.Option(help="run as a Prefect flow")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="each round's summary as JSON")] = False,
) -> None:
    """Two-way status sync: LAPOR! changes to the channels, channel changes to LAPOR!."""
    from hub.cli.render import render_reconcile

    hub = _hub()
    names = hub.check_channels(channels)
    for _ in range(max(1, rounds)):
        if prefect:
            configure_prefect_env()
            from flows.reconcile import reconcile_flow
            from hub.service.runtime import use_hub

            use_hub(hub)
            _ok, summary = run_flow(reconcile_flow(names, return_state=True))
        else:
            from hub.reconcile.round import reconcile as run_round

            summary = asyncio.run(run_round(hub, names))
        if as_json:
            console.print_json(summary.model_dump_json())
        else:
            render_reconcile(console, summary)
    if summary.errors:
        raise typer.Exit(1)


@app.command()
def purge(older_than: Annotated[str, typer.Option(help="e.g. 90d, 12w")] = "90d") -> None:
    """Retention: drop personal data of tickets sent before the cutoff; delete old cache rows."""
    from hub.privacy.retention import parse_age
    from hub.privacy.retention import purge as run_purge

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    counts = run_purge(_hub().engine, age)
    console.print(f"cutoff {counts.cutoff.isoformat(timespec='seconds')}: "
                  f"{counts.tickets_purged} tickets purged of personal data, "
                  f"{counts.quarantine_deleted} resolved quarantine entries and "
                  f"{counts.identity_cache_deleted} identity-cache rows deleted")


@app.command()
def serve(
    simulate: Annotated[bool, typer.Option(help="also run the sandbox simulators")] = False,
    workers: Annotated[int, typer.Option(help="process workers on the pool")] = 1,
    prefect_db: Annotated[str | None, typer.Option(help="Prefect's database, e.g. "
                          "postgresql+asyncpg://…; default SQLite under var/")] = None,
    fast_path: Annotated[bool, typer.Option(help="intake also syncs in-process")] = False,
    host: Annotated[str | None, typer.Option(help="Prefect server bind address "
                    "[LAPOR_HUB_SERVE__HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Prefect server port "
                    "[LAPOR_HUB_SERVE__PREFECT_PORT]")] = None,
) -> None:
    """Prefect server, work pool, deployments, worker(s), intake; until Ctrl-C."""
    from hub.service.serve import StackConfig
    from hub.service.serve import serve as run_serve

    s = get_settings()
    config = StackConfig(workers=workers, prefect_db_url=prefect_db, fast_path=fast_path,
                         host=host or s.serve.host, prefect_port=port or s.serve.prefect_port,
                         intake_host=s.intake.host, intake_port=s.intake.port,
                         data_dir=s.serve.data_dir)
    raise typer.Exit(run_serve(config, lambda line: console.print(line), simulate=simulate))
