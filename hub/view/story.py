"""A ticket's whole story for the console: the API's detail plus agreement, officer history,
follow-ups relayed and the coordinates, each under the same role rules as the detail itself.

The ledger keeps follow-up texts only as hashes (to stop echoes), so a follow-up appears here as
the moment and direction the hub relayed it, with the status it carried, never as text.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.ledger.oversight_tables import ApiKeyRow
from hub.ledger.sync_state import SyncStateRow
from hub.ledger.tables import as_utc
from hub.sla.rules import SlaRules
from hub.view.access import content_withheld, visible
from hub.view.apikeys import Role
from hub.view.records import get_record
from hub.view.tickets import AuditItem, TicketDetail, ticket_detail

OFFICER_EVENTS = ("officer.assigned", "officer.transferred")
FOLLOW_UP_EVENTS = ("sync.to_lapor", "sync.to_channel")
AGREEMENT_EVENTS = ("ticket.sent", "sync.to_lapor", "sync.to_channel", "sync.conflict")


class TicketStory(BaseModel):
    detail: TicketDetail
    lat: float | None
    lng: float | None
    in_agreement: bool | None  # None: the two-way sync has not seen the ticket yet
    agreed_status: str | None
    agreed_at: datetime | None  # the last time both sides were known to agree
    officer_unit: str | None
    officer_history: list[AuditItem]
    follow_ups: list[AuditItem]


def ticket_story(engine: Engine, role: Role, ticket_id: int, rules: SlaRules,
                 now: datetime) -> TicketStory | None:
    """``None`` exactly when ``ticket_detail`` is: missing and not-yours look the same."""
    detail = ticket_detail(engine, role, ticket_id, rules, now)
    record = get_record(engine, ticket_id)
    if detail is None or record is None or not visible(role, record):
        return None
    hidden = content_withheld(role, record)
    with Session(engine) as session:
        st = session.get(SyncStateRow, ticket_id)
        state = (st.in_agreement, st.agreed, as_utc(st.updated_at)) if st else None
    agreed_at = None
    if state is not None and state[0]:
        agreed_at = max((a.at for a in detail.audit if a.event in AGREEMENT_EVENTS),
                        default=state[2])
    return TicketStory(
        detail=detail, lat=None if hidden else record.ticket.lat,
        lng=None if hidden else record.ticket.lng,
        in_agreement=state[0] if state else None, agreed_status=state[1] if state else None,
        agreed_at=agreed_at, officer_unit=record.sync.unit,
        officer_history=[a for a in detail.audit if a.event in OFFICER_EVENTS],
        follow_ups=[a for a in detail.audit if a.event in FOLLOW_UP_EVENTS])


def active_role(engine: Engine, key_id: str) -> Role | None:
    """The role of an unrevoked key by its public id: a console session re-checks it each request,
    so revoking a key ends its sessions too."""
    with Session(engine) as session:
        row = session.exec(select(ApiKeyRow).where(
            ApiKeyRow.key_id == key_id, col(ApiKeyRow.revoked_at).is_(None))).first()
    return Role.parse(row.role) if row is not None else None
