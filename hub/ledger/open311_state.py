"""The ``open311`` channel's own side of the two-way sync: what an Open311 client reads back.

Open311 is served by the hub itself, so "writing back to the channel" is writing here: the
reconcile round's write-back adapter (``hub.reconcile.writeback.open311``) stores the status it
agreed with LAPOR! (``open``/``closed``) and the follow-up texts LAPOR! sent, and the GeoReport
view reads them as ``status``, ``status_notes`` and ``updated_datetime``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Engine, Text
from sqlmodel import Field, Session, SQLModel, col, select

from hub.ledger.tables import TZ, as_utc, utcnow

NOTES_KEPT = 20  # the newest LAPOR! follow-ups per request; older ones stay in LAPOR!


class Open311StatusRow(SQLModel, table=True):
    __tablename__ = "open311_status"

    token: str = Field(primary_key=True, max_length=64)  # the ticket's source_id
    status: str = Field(max_length=16)
    notes: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


@dataclass(frozen=True)
class Open311Status:
    status: str
    notes: list[str]
    updated_at: datetime


def write_status(engine: Engine, token: str, status: str, texts: list[str]) -> dict[str, Any]:
    """Store the status and new texts; the record returned is what the channel "now serves"."""
    with Session(engine) as session:
        row = session.get(Open311StatusRow, token) or Open311StatusRow(token=token, status=status)
        notes = [*json.loads(row.notes), *texts][-NOTES_KEPT:]
        row.status, row.updated_at = status, utcnow()
        row.notes = json.dumps(notes, ensure_ascii=False)
        row.version = (row.version or 1) + 1  # past the POSTed record's versi 1
        session.add(row)
        session.commit()
        return {"token": token, "versi": row.version, "status": status}


def read_statuses(engine: Engine, tokens: list[str]) -> dict[str, Open311Status]:
    if not tokens:
        return {}
    with Session(engine) as session:
        rows = session.exec(select(Open311StatusRow).where(col(Open311StatusRow.token).in_(tokens)))
        return {r.token: Open311Status(r.status, json.loads(r.notes), as_utc(r.updated_at))
                for r in rows}
