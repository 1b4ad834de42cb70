"""``lapor-hub officers check``: each OPD's named complaint officers as SIASN sees them now."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from hub.core.secrets import with_block_secrets
from hub.core.settings import get_settings
from hub.ledger.db import make_engine
from hub.ledger.sync_state import OfficerRow
from hub.privacy.logging import configure_logging, safe_message
from hub.privacy.masking import mask_nip
from hub.reconcile.officers import check_officers
from hub.reconcile.officers_check import REASONS, Check
from hub.reconcile.officers_file import OfficersFileError, load_officers

officers_app = typer.Typer(no_args_is_help=True, add_completion=False,
                           help="Complaint officers named per OPD, checked in SIASN.")
console = Console(stderr=False)
err = Console(stderr=True)


def _current() -> dict[str, str | None]:
    """Who holds each OPD's tickets in the ledger, if it can be read (it may not exist yet)."""
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            return {o.instansi: o.nip for o in session.exec(select(OfficerRow))}
    except SQLAlchemyError:  # a check must work before the first sync has created a ledger
        return {}
    finally:
        engine.dispose()


def _row(c: Check) -> list[str]:
    holder = f"{mask_nip(c.nip)} ({c.role})" if c.nip else "-"
    gone = "; ".join(f"{s.role} {mask_nip(s.nip)} {REASONS[s.state]}" for s in c.departed)
    state = {"same": "in place", "new": "in place", "transferred": "changes hands",
             "no_officer": "NOBODY IN PLACE", "unmapped": "not in officers.yaml",
             "error": f"check failed: {c.error}"}[c.kind]
    return [c.instansi, state, holder, gone or "-"]


@officers_app.command("check")
def check(as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
          ) -> None:
    """Check every OPD of mappings/officers.yaml in SIASN (read-only: nothing is reassigned)."""
    settings = get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    try:
        settings = with_block_secrets(settings)
        units = load_officers(settings.mappings_dir / "officers.yaml")
        if settings.siasn.client_secret is None:
            raise ValueError("SIASN is not configured: set LAPOR_HUB_SIASN__CLIENT_SECRET")
    except (OfficersFileError, ValueError) as exc:
        err.print(f"[red]configuration error:[/] {safe_message(exc)}")
        raise typer.Exit(2) from exc
    checks = asyncio.run(check_officers(settings, sorted(units.opd), _current(), units))
    rows = [_row(c) for c in checks]
    if as_json:
        keys = ("opd", "state", "holder", "departed")
        console.print_json(json.dumps([dict(zip(keys, r, strict=True)) for r in rows]))
    else:
        table = Table("OPD", "state", "tickets with", "named but not in place")
        for r in rows:
            table.add_row(*r)
        console.print(table)
    if any(c.kind in ("error", "no_officer") for c in checks):
        raise typer.Exit(1)
