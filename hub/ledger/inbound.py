"""Pushed channels' inbound events (the 112 intake, Open311 submissions): stored once per id before
the sender gets its answer, or quarantined with the reason; the pull reads them from here."""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hub.ledger.ingest import QuarantineEntry, add_quarantine
from hub.ledger.tables import InboundEventRow


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


def quarantine_event(engine: Engine, channel: str, reason: str, detail: str, raw: Any,
                     schema_path: str | None = None, source_id: str | None = None) -> None:
    """A pushed body the intake cannot accept is kept for replay, not thrown away."""
    entry = QuarantineEntry(channel, source_id, None, "intake", reason, detail, raw, schema_path)
    with Session(engine) as session:
        add_quarantine(session, [entry], run_id=None)
        session.commit()
