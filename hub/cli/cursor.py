"""``lapor-hub cursor show|reset|set``: see and fix where each channel's next pull starts.

``reset`` makes the next pull read the channel from the beginning; ``set --since DATE`` from that
date (a backfill). Exactly-once still holds: the ledger deduplicates by source id and version, and
a ticket already in LAPOR! is never sent again. A pull that is running (or crashed midway) owns
the cursor: changing it then needs ``--force``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.cli.errors import ConfigError
from hub.core.settings import get_settings
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import CursorRow, as_utc, utcnow
from hub.mapping.loader import channels as mapped_channels

cursor_app = typer.Typer(no_args_is_help=True, help="Where each channel's next pull starts.")
console = Console()


def _engine() -> Engine:
    engine = make_engine(get_settings().database_url)
    init_db(engine)
    return engine


def _known(channel: str) -> str:
    known = mapped_channels(get_settings().mappings_dir)
    if channel not in known:
        raise ConfigError(f"unknown channel(s): {channel}; known: {', '.join(known)}")
    return channel


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat(timespec="seconds") if value else None


@cursor_app.command("show")
def show(channel: Annotated[str | None, typer.Argument(help="one channel; default all")] = None,
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Watermark, whether a pull is midway, and when the cursor last moved."""
    with Session(_engine()) as session:
        rows = [r for r in session.exec(select(CursorRow).order_by(CursorRow.channel))
                if ":" not in r.channel and (channel is None or r.channel == channel)]
    data = [{"channel": r.channel, "watermark": _iso(r.watermark), "midway": r.in_progress,
             "resume_token": r.resume_token is not None, "updated_at": _iso(r.updated_at)}
            for r in rows]
    if as_json:
        console.print_json(json.dumps(data))
        return
    table = Table("channel", "watermark", "pull midway", "moved at")
    for d in data:
        table.add_row(str(d["channel"]), str(d["watermark"] or "— (from the beginning)"),
                      "yes" if d["midway"] else "no", str(d["updated_at"]))
    console.print(table)


def _move(channel: str, since: datetime | None, force: bool) -> None:
    with Session(_engine()) as session:
        row = session.get(CursorRow, _known(channel)) or CursorRow(channel=channel)
        if row.in_progress and not force:
            raise ConfigError(f"{channel}: a pull is running or stopped midway; wait for it, "
                              "or add --force to drop its position")
        row.watermark, row.resume_token = since, None
        row.run_started_watermark, row.in_progress = None, False
        row.updated_at = utcnow()
        session.add(row)
        session.commit()
    where = since.isoformat(timespec="seconds") if since else "the beginning"
    console.print(f"{channel}: the next pull reads from {where}; tickets already sent are "
                  "not sent again")


@cursor_app.command("reset")
def reset(channel: str, force: Annotated[bool, typer.Option("--force")] = False) -> None:
    """The next pull re-reads the channel from the beginning."""
    _move(channel, None, force)


@cursor_app.command("set")
def set_(channel: str,
         since: Annotated[str, typer.Option(help="a date or time, e.g. 2026-11-01")],
         force: Annotated[bool, typer.Option("--force")] = False) -> None:
    """The next pull reads from ``--since`` (a backfill)."""
    try:
        parsed = (datetime.fromisoformat(since) if "T" in since or " " in since
                  else datetime.combine(date.fromisoformat(since), time()))
    except ValueError as exc:
        raise ConfigError(f"--since {since!r} is not a date (e.g. 2026-11-01)") from exc
    _move(channel, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), force)
