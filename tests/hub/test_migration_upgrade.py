"""Migrations as an upgrade: a ledger at the first revision, holding data, upgraded to head keeps
its data; offline SQL is generated for the target database's dialect."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from hub.core.settings import PROJECT_ROOT
from hub.ledger.db import MIGRATIONS, make_engine
from hub.ledger.tables import CursorRow, TicketRow

AT = datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _dummy(column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 7
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.5
    if isinstance(kind, sa.DateTime):
        return AT
    length = getattr(kind, "length", None) or 40
    return ("v-" + column.name)[:length] if column.name != "payload" else "{}"


def _row(table: sa.Table, **given: Any) -> dict[str, Any]:
    """Every NOT NULL column without a server default filled; ``given`` wins."""
    values = {c.name: _dummy(c) for c in table.columns
              if not c.nullable and c.server_default is None
              and not (c.primary_key and isinstance(c.type, sa.Integer))}
    return values | given


def test_a_ledger_at_the_first_revision_keeps_its_data_through_the_upgrade(db_url: str) -> None:
    first = ScriptDirectory.from_config(_config()).get_base()
    assert first is not None
    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), first)
        meta = sa.MetaData()
        meta.reflect(connection, only=["ticket", "cursor"])
        ticket, cursor = meta.tables["ticket"], meta.tables["cursor"]
        connection.execute(ticket.insert().values(_row(
            ticket, channel="sikesal", source_id="S-1", state="sent", tracking_id="LPR-9")))
        connection.execute(cursor.insert().values(_row(
            cursor, channel="sikesal", watermark=AT, in_progress=False)))
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    with Session(engine) as session:
        [row] = session.exec(select(TicketRow)).all()
        assert (row.channel, row.source_id, row.state, row.tracking_id) == (
            "sikesal", "S-1", "sent", "LPR-9")
        kept = session.get(CursorRow, "sikesal")
        assert kept is not None and kept.watermark is not None
        assert kept.watermark.replace(tzinfo=UTC) == AT
    engine.dispose()


@pytest.mark.parametrize(("url", "dialect_type"), [
    ("postgresql+psycopg://u@db.example/ledger", "TIMESTAMP WITH TIME ZONE"),
    ("sqlite:///x.db", "DATETIME"),
])
def test_offline_sql_is_generated_for_the_target_url(url: str, dialect_type: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.cmd_opts = type("Opts", (), {"x": [f"url={url}"]})()  # type: ignore[assignment]
    out = io.StringIO()
    config.stdout = out
    with redirect_stdout(out):
        command.upgrade(config, "head", sql=True)
    assert "CREATE TABLE ticket" in out.getvalue()
    assert dialect_type in out.getvalue()
