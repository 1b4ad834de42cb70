"""Sandbox commands: ``simulate`` serves the simulators, ``demo`` runs the whole story on them.

Kept apart from the hub's own commands so that only this module and ``hub.cli.demo`` know the
simulators exist (an import-linter contract says so).
"""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.main import console
from hub.privacy.logging import configure_logging


def register_sandbox_commands(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        tickets: Annotated[int, typer.Option(help="tickets to seed per channel")] = 200,
        seed: Annotated[int, typer.Option(help="seed for deterministic data")] = 42,
        bad_rate: Annotated[float, typer.Option(
            help="share of records invalid at the source")] = 0.03,
        host: Annotated[str, typer.Option()] = "127.0.0.1",
    ) -> None:
        """Run the sandbox simulators until interrupted; print `<name> <base-url>` then `ready`."""
        from simulators.runner import serve_forever

        configure_logging(json=False, level="WARNING")
        serve_forever(host=host, tickets=tickets, seed=seed, bad_rate=bad_rate,
                      announce=lambda line: console.print(line, highlight=False, soft_wrap=True))

    @app.command()
    def demo(
        tickets: Annotated[int, typer.Option(help="tickets to seed per channel")] = 200,
        seed: Annotated[int, typer.Option()] = 42,
    ) -> None:
        """Sandbox demo: simulators, two syncs, duplicate check, two-way status, SLA report."""
        from hub.cli.demo import run_demo

        raise typer.Exit(run_demo(console, tickets=tickets, seed=seed))
