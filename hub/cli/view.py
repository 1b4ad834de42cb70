"""CLI of the oversight view: ``apikey create|revoke``, ``api``, ``remind`` and ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.core.settings import get_settings
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub

console = Console()
err = Console(stderr=True)
apikey_app = typer.Typer(no_args_is_help=True, help="API keys of the read API (stored hashed).")


def _hub() -> Hub:
    settings = get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    return Hub.from_settings(settings)


@apikey_app.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="oversight | integrator | agency:<instansi>")],
    label: Annotated[str | None, typer.Option(help="who holds it")] = None,
) -> None:
    """Make a key; it is printed once and only its hash is kept."""
    from hub.view.apikeys import Role, create_key

    try:
        parsed = Role.parse(role)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    key = create_key(_hub().engine, parsed, label)
    err.print(f"key for [bold]{parsed}[/] (shown once, keep it safe):")
    console.print(key, highlight=False, soft_wrap=True)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="the 12 hex digits after lh_")]
                  ) -> None:
    from hub.view.apikeys import revoke_key

    if not revoke_key(_hub().engine, key_id):
        err.print("no active key with that id")
        raise typer.Exit(1)
    console.print("revoked")


def api(host: Annotated[str, typer.Option()] = "127.0.0.1",
        port: Annotated[int, typer.Option()] = 8702) -> None:
    """Serve the web console at ``/`` and the read API under ``/api/v1`` (docs at ``/docs``)."""
    import uvicorn

    from hub.console.app import create_console_app

    uvicorn.run(create_console_app(_hub()), host=host, port=port, log_level="warning",
                proxy_headers=True)


def remind() -> None:
    """One reminder round: notify units of at-risk and late tickets, escalate late ones once."""
    from hub.reminders.run import remind_round

    outcome = remind_round(_hub())
    console.print(outcome.describe())


def report(
    period: Annotated[str, typer.Option(help="a month, e.g. 2026-10")],
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("report.html"),
) -> None:
    """A self-contained HTML report (charts inline, opens offline) for one month."""
    from hub.report.html import write_report
    from hub.view.period import PeriodError

    try:
        path = write_report(_hub().engine, period, out)
    except PeriodError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"report written: {path.resolve()}", highlight=False, soft_wrap=True)


def register_view_commands(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")
    app.command("api")(api)
    app.command("remind")(remind)
    app.command("report")(report)
