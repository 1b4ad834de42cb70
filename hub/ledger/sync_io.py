"""Ledger reads and writes of the reconcile round, each bounded by the number of changes.

New sent tickets and new channel versions are found through the audit trail (its primary key is
a cursor), LAPOR! changes by the indexed tracking id, pending work by the indexed ``dirty`` flag:
nothing here scans every ticket.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.ledger.sync_state import AUDIT_CURSOR, SyncIssueRow, SyncStateRow
from hub.ledger.tables import AuditRow, CursorRow, SendState, TicketRow, utcnow

_SENT_EVENTS = ("ticket.sent", "ticket.recovered")
_MOVED_EVENTS = (*_SENT_EVENTS, "ticket.new_version")
# Audit ids are handed out before commit: on PostgreSQL a lower id can become visible after a
# higher one. Re-reading a short tail makes such a late row seen; handling is idempotent.
AUDIT_OVERLAP = 200


@dataclass
class Discovered:
    ticket_ids: set[int] = field(default_factory=set)
    created: int = 0
    last_audit_id: int = 0


def new_state(row: TicketRow) -> SyncStateRow:
    payload = json.loads(row.payload)
    assert row.id is not None and row.tracking_id is not None
    # LAPOR! creates every report as belum_terverifikasi; the channel side is unread yet.
    # An unrouted report (no instansi) has no OPD, so no officer to look up in SIASN.
    instansi = str(payload.get("instansi") or "")
    return SyncStateRow(ticket_id=row.id, channel=row.channel, source_id=row.source_id,
                        tracking_id=row.tracking_id, instansi=instansi,
                        lapor_status="belum_terverifikasi",
                        officer_state="pending" if instansi else "unrouted")


def discover(engine: Engine, channels: Iterable[str]) -> Discovered:
    """Tickets sent or given a new channel version since the audit cursor; states for new ones."""
    wanted = set(channels)
    out = Discovered()
    with Session(engine) as session:
        cursor = session.get(CursorRow, AUDIT_CURSOR)
        start = int(cursor.resume_token or 0) if cursor else 0
        out.last_audit_id = start
        rows = session.exec(select(AuditRow.id, AuditRow.ticket_id, AuditRow.event).where(
            col(AuditRow.id) > max(0, start - AUDIT_OVERLAP),
            col(AuditRow.event).in_(_MOVED_EVENTS)).order_by(col(AuditRow.id)))
        ids: set[int] = set()
        for audit_id, ticket_id, _event in rows:
            out.last_audit_id = max(out.last_audit_id, audit_id or 0)
            if ticket_id is not None:
                ids.add(ticket_id)
        if not ids:
            return out
        known = set(session.exec(select(SyncStateRow.ticket_id).where(
            col(SyncStateRow.ticket_id).in_(ids))))
        for row in session.exec(select(TicketRow).where(
                col(TicketRow.id).in_(ids - known), TicketRow.state == SendState.sent,
                col(TicketRow.tracking_id).is_not(None))):
            if row.channel in wanted:
                session.add(new_state(row))
                known.add(row.id or 0)
                out.created += 1
        session.commit()
    out.ticket_ids = {i for i in ids if i in known}
    return out


def save_audit_cursor(engine: Engine, last_id: int) -> None:
    with Session(engine) as session:
        cursor = session.get(CursorRow, AUDIT_CURSOR) or CursorRow(channel=AUDIT_CURSOR)
        if int(cursor.resume_token or 0) < last_id:
            cursor.resume_token, cursor.updated_at = str(last_id), utcnow()
            session.add(cursor)
            session.commit()


def states_for_tracking(session: Session, tracking_ids: list[str]) -> dict[str, SyncStateRow]:
    """States by tracking id; a sent ticket whose state is not made yet gets one now."""
    found = {s.tracking_id: s for s in session.exec(select(SyncStateRow).where(
        col(SyncStateRow.tracking_id).in_(tracking_ids)))}
    missing = [t for t in tracking_ids if t not in found]
    if missing:
        for row in session.exec(select(TicketRow).where(
                col(TicketRow.tracking_id).in_(missing), TicketRow.state == SendState.sent)):
            state = new_state(row)
            session.add(state)
            found[state.tracking_id] = state
    return found


def dirty_ids(engine: Engine, limit: int) -> set[int]:
    with Session(engine) as session:
        return set(session.exec(select(SyncStateRow.ticket_id).where(
            SyncStateRow.dirty == True).limit(limit)))  # noqa: E712


def add_issue(session: Session, *, side: str, reason: str, detail: str, key: str,
              channel: str | None = None, ticket_id: int | None = None,
              tracking_id: str | None = None) -> None:
    """One row per (side, reason, key, detail); seen again → counted, not duplicated."""
    digest = hashlib.sha256(json.dumps([side, reason, key, detail]).encode()).hexdigest()
    existing = session.exec(select(SyncIssueRow).where(SyncIssueRow.fingerprint == digest)).first()
    if existing is not None:
        existing.count += 1
        existing.last_at = utcnow()
        session.add(existing)
        return
    session.add(SyncIssueRow(side=side, reason=reason, detail=detail, fingerprint=digest,
                             channel=channel, ticket_id=ticket_id, tracking_id=tracking_id))
    session.flush()  # a second issue with the same fingerprint in this transaction finds it


def audit(session: Session, st: SyncStateRow, event: str, detail: dict[str, object],
          run_id: str | None) -> None:
    session.add(AuditRow(ticket_id=st.ticket_id, channel=st.channel, source_id=st.source_id,
                         event=event, run_id=run_id,
                         detail=json.dumps(detail, ensure_ascii=False, default=str)))
