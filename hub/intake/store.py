"""Durable, idempotent storage of pushed events, and the source that reads them back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hub.ledger.ingest import QuarantineEntry, add_quarantine
from hub.ledger.tables import InboundEventRow
from hub.pull import SourcePage


def store_event(engine: Engine, channel: str, event_id: str,
                payload: Any) -> Literal["accepted", "duplicate"]:
    """Insert once per (channel, event id); a redelivery is acknowledged, not stored again."""
    row = InboundEventRow(channel=channel, event_id=event_id,
                          payload=json.dumps(payload, ensure_ascii=False))
    with Session(engine) as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return "duplicate"
    return "accepted"


def quarantine_event(engine: Engine, channel: str, reason: str, detail: str, raw: Any) -> None:
    """A pushed body the intake cannot accept is kept for replay, not thrown away."""
    entry = QuarantineEntry(channel, None, None, "intake", reason, detail, raw)
    with Session(engine) as session:
        add_quarantine(session, [entry], run_id=None)
        session.commit()


@dataclass
class InboundSource:
    """Reads stored events in arrival order; the position is the last inbound row id."""

    engine: Engine
    channel: str

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        after = int(resume or 0)
        with Session(self.engine) as session:
            rows = list(session.exec(
                select(InboundEventRow)
                .where(InboundEventRow.channel == self.channel, col(InboundEventRow.id) > after)
                .order_by(col(InboundEventRow.id)).limit(limit)))
        records = [json.loads(r.payload) for r in rows]
        last = rows[-1].id if rows else after
        return SourcePage(records=records, resume=str(last), more=len(rows) == limit)
