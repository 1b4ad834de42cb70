"""Adopting a report a city's own link filed in LAPOR!: the ticket is linked to its tracking id.

The ticket then reads as if the hub had filed it (``sent``, ``tracking_id``), so reconcile and
the SLA work on it unchanged; its two-way state starts from the status LAPOR! showed when it was
found (the city's report may be verified already), marked dirty so the next round compares both
sides. An ``unknown_ticket`` sync issue a reconcile round raised for that report before it was
adopted is resolved. Waiting and quarantine go through ``claims.record_outcomes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from hub.ledger.sync_state import SyncIssueRow, SyncStateRow
from hub.ledger.tables import AuditRow, SendState, TicketRow, utcnow

CITY_NOTE = "filed by the city's own link; not checked by the hub"


@dataclass(frozen=True)
class Adopted:
    id: int
    tracking_id: str
    transaksi_id: str | None
    lapor_status: str
    how: str  # reference | match
    confidence: float


def held_tracking_ids(engine: Engine, tracking_ids: Iterable[str]) -> set[str]:
    """Which of these reports some ticket of the ledger already holds (sent or adopted)."""
    wanted = list(set(tracking_ids))
    if not wanted:
        return set()
    with Session(engine) as session:
        return {t for t in session.exec(select(TicketRow.tracking_id).where(
            col(TicketRow.tracking_id).in_(wanted))) if t is not None}


def record_adoptions(engine: Engine, token: str, adopted: list[Adopted],
                     run_id: str | None = None) -> int:
    """Link each ticket still claimed by ``token`` to its report; returns how many."""
    if not adopted:
        return 0
    now = utcnow()
    done = 0
    with Session(engine) as session:
        for a in adopted:
            row = session.exec(select(TicketRow).where(
                TicketRow.id == a.id, TicketRow.claim_token == token,
                TicketRow.state == SendState.sending)).first()
            if row is None or row.id is None:
                continue  # our lease ran out: whoever holds it now decides
            session.execute(update(TicketRow).where(col(TicketRow.id) == row.id).values(
                state=SendState.sent, tracking_id=a.tracking_id, transaksi_id=a.transaksi_id,
                sent_at=now, needs_lookup=False, last_error=None, claim_token=None,
                identity_note=CITY_NOTE, updated_at=now))
            session.add(AuditRow(
                ticket_id=row.id, channel=row.channel, source_id=row.source_id,
                event="ticket.adopted", from_state=SendState.sending, to_state=SendState.sent,
                run_id=run_id, at=now, detail=json.dumps(
                    {"tracking_id": a.tracking_id, "how": a.how, "confidence": a.confidence})))
            if session.get(SyncStateRow, row.id) is None:
                payload = json.loads(row.payload)
                session.add(SyncStateRow(
                    ticket_id=row.id, channel=row.channel, source_id=row.source_id,
                    tracking_id=a.tracking_id, instansi=str(payload.get("instansi", "")),
                    lapor_status=a.lapor_status, dirty=True))
            for issue in session.exec(select(SyncIssueRow).where(
                    SyncIssueRow.tracking_id == a.tracking_id,
                    SyncIssueRow.reason == "unknown_ticket",
                    col(SyncIssueRow.resolved_at).is_(None))):
                issue.resolved_at = now
                session.add(issue)
            done += 1
        session.commit()
    return done
