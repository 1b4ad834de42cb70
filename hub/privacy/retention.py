"""Retention: personal data leaves the ledger once it is no longer needed (UU PDP 27/2022).

A ticket ``sent`` before the cutoff keeps what the hub still needs for two-way status sync and for
its exactly-once guarantees: ids, tracking id, versions, states, statuses, routing and hashes. Its
reporter, free text and location go: the payload stays a valid canonical ticket (readers need not
special-case purged rows) and the raw record shrinks to a marker. Resolved quarantine entries and
identity-cache rows older than the cutoff are deleted. Open quarantine entries are kept: they are
work an integrator has still to do.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from hub.core.models import Ticket
from hub.ledger.tables import (
    AuditRow,
    IdentityCacheRow,
    QuarantineRow,
    SendState,
    TicketRow,
    utcnow,
)

PURGED_RAW = json.dumps({"purged": True})
PURGED_TEXT = "[dihapus: masa retensi berakhir]"  # "removed: retention period over"
_AGE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class PurgeCounts(BaseModel):
    cutoff: datetime
    tickets_purged: int = 0
    quarantine_deleted: int = 0
    identity_cache_deleted: int = 0


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h`` → a timedelta; anything else is a ``ValueError``."""
    match = _AGE.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(f"not an age: {text!r} (expected e.g. 90d, 12w or 36h)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def strip_personal_data(payload: str) -> str:
    ticket = Ticket.model_validate_json(payload)
    kept = ticket.model_copy(update={
        "judul": PURGED_TEXT, "isi": PURGED_TEXT, "pelapor": None, "lokasi": None,
        "kelurahan": None, "kecamatan": None, "lat": None, "lng": None, "lampiran": [],
    })
    return kept.model_dump_json()


def purge(engine: Engine, older_than: timedelta, now: datetime | None = None,
          batch: int = 500) -> PurgeCounts:
    cutoff = (now or utcnow()) - older_than
    counts = PurgeCounts(cutoff=cutoff)
    while True:
        # Batches keep each transaction short beside a running sync.
        with Session(engine) as session:
            rows = list(session.exec(
                select(TicketRow).where(TicketRow.state == SendState.sent,
                                        col(TicketRow.sent_at) < cutoff,
                                        TicketRow.raw != PURGED_RAW)
                .order_by(col(TicketRow.id)).limit(batch)))
            for row in rows:
                row.payload, row.raw = strip_personal_data(row.payload), PURGED_RAW
                session.add(row)
            session.commit()
        counts.tickets_purged += len(rows)
        if len(rows) < batch:
            break
    with Session(engine) as session:
        quarantine = session.execute(delete(QuarantineRow).where(
            col(QuarantineRow.resolved_at).is_not(None), col(QuarantineRow.resolved_at) < cutoff))
        identity = session.execute(delete(IdentityCacheRow).where(
            col(IdentityCacheRow.checked_at) < cutoff))
        counts.quarantine_deleted = quarantine.rowcount or 0  # type: ignore[attr-defined]
        counts.identity_cache_deleted = identity.rowcount or 0  # type: ignore[attr-defined]
        session.add(AuditRow(channel="hub", event="retention.purged",
                             detail=counts.model_dump_json()))
        session.commit()
    return counts
