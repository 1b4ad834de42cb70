"""Read-only views of the ledger for ``status``, the demo summary and progress."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hub.ledger.tables import CursorRow, QuarantineRow, SendState, TicketRow, as_utc


class ChannelStatus(BaseModel):
    channel: str
    states: dict[str, int]
    total: int
    identity: dict[str, int]
    quarantine_open: dict[str, int]
    watermark: datetime | None = None
    resume_pending: bool = False


def state_counts(engine: Engine, channels: list[str] | None = None) -> dict[str, dict[str, int]]:
    query = select(TicketRow.channel, TicketRow.state, func.count()).group_by(
        TicketRow.channel, TicketRow.state)
    if channels:
        query = query.where(col(TicketRow.channel).in_(channels))
    out: dict[str, dict[str, int]] = {}
    with Session(engine) as session:
        for channel, state, count in session.exec(query):
            out.setdefault(channel, {})[str(state)] = count
    return out


def ledger_status(engine: Engine) -> list[ChannelStatus]:
    states = state_counts(engine)
    with Session(engine) as session:
        identity: dict[str, dict[str, int]] = {}
        for channel, status, count in session.exec(
            select(TicketRow.channel, TicketRow.identity_status, func.count())
            .where(TicketRow.state == SendState.sent)
            .group_by(TicketRow.channel, TicketRow.identity_status)
        ):
            identity.setdefault(channel, {})[status] = count
        quarantine: dict[str, dict[str, int]] = {}
        for channel, reason, count in session.exec(
            select(QuarantineRow.channel, QuarantineRow.reason, func.count())
            .where(col(QuarantineRow.resolved_at).is_(None))
            .group_by(QuarantineRow.channel, QuarantineRow.reason)
        ):
            quarantine.setdefault(channel, {})[reason] = count
        # Names with a colon are reserved positions (e.g. ``lapor:changes``), not channels.
        cursors = {c.channel: c for c in session.exec(select(CursorRow)) if ":" not in c.channel}
    channels = sorted(set(states) | set(quarantine) | set(cursors))
    result = []
    for name in channels:
        cursor = cursors.get(name)
        counts = {s.value: states.get(name, {}).get(s.value, 0) for s in SendState}
        result.append(ChannelStatus(
            channel=name, states=counts, total=sum(counts.values()),
            identity=identity.get(name, {}), quarantine_open=quarantine.get(name, {}),
            watermark=as_utc(cursor.watermark) if cursor and cursor.watermark else None,
            resume_pending=bool(cursor and cursor.in_progress)))
    return result


def tracking_ids(engine: Engine, channel: str, limit: int = 5) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(TicketRow.source_id, TicketRow.tracking_id)
            .where(TicketRow.channel == channel, col(TicketRow.tracking_id).is_not(None))
            .order_by(col(TicketRow.sent_at).desc()).limit(limit))
        return [(s, t or "") for s, t in rows]


class Waiting(BaseModel):
    """Tickets a run could not send now and will retry: what the CLI reports as not done."""

    count: int
    last_error: str | None
    next_attempt_at: datetime | None


def waiting(engine: Engine, channels: list[str]) -> Waiting:
    with Session(engine) as session:
        base = select(TicketRow).where(TicketRow.state == SendState.pending,
                                       col(TicketRow.channel).in_(channels),
                                       col(TicketRow.last_error).is_not(None))
        count = session.exec(select(func.count()).select_from(base.subquery())).one()
        first = session.exec(base.order_by(col(TicketRow.next_attempt_at)).limit(1)).first()
    return Waiting(count=count, last_error=first.last_error if first else None,
                   next_attempt_at=as_utc(first.next_attempt_at) if first else None)
