"""Tickets not settled yet (neither sent, quarantined nor skipped): how many, why, and when next.

What ``sync`` reports before exiting non-zero and ``status`` shows per channel. The reasons:

- ``held``: ``sending`` under another run that is alive (its heartbeat is fresh); it settles them,
  or, if it dies, they are taken over by the time its lease ends;
- ``stranded``: ``sending`` under a holder that is gone or went quiet: the next run takes them
  over at once, with a lookup in LAPOR! first;
- ``lookup``: a POST may have reached LAPOR! without an answer: looked up before any new POST,
  from ``next_attempt_at``;
- ``retry``: LAPOR! (or Dukcapil) could not take them now: retried from ``next_attempt_at``;
- ``due``: waiting for a push, due now (stored after the push ended, or the push stopped).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Engine, and_, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.ledger.tables import ClaimHolderRow, SendState, TicketRow, as_utc, utcnow


class Unsettled(BaseModel):
    channel: str
    held: int = 0
    held_until: datetime | None = None  # the latest lease end among live holders
    stranded: int = 0
    lookup: int = 0
    lookup_from: datetime | None = None
    retry: int = 0
    retry_from: datetime | None = None
    due: int = 0
    last_error: str | None = None

    @property
    def count(self) -> int:
        return self.held + self.stranded + self.lookup + self.retry + self.due


def _first(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def unsettled(engine: Engine, channels: list[str] | None, lease_s: float) -> list[Unsettled]:
    """Per channel with anything unsettled, in channel order; empty when all is settled."""
    now = utcnow()
    out: dict[str, Unsettled] = {}
    live = and_(col(ClaimHolderRow.released_at).is_(None),
                col(ClaimHolderRow.heartbeat_at) >= now - timedelta(seconds=lease_s))
    in_channels = col(TicketRow.channel).in_(channels) if channels else literal(True)
    sending = and_(col(TicketRow.state) == SendState.sending, in_channels)
    pending = and_(col(TicketRow.state) == SendState.pending, in_channels)
    later = col(TicketRow.next_attempt_at) > now
    with Session(engine) as session:
        # Conditions go in WHERE, never GROUP BY: PostgreSQL would see two different parameters.
        for channel, count in session.execute(
                sa_select(col(TicketRow.channel), func.count()).where(sending)
                .group_by(col(TicketRow.channel))):
            out.setdefault(channel, Unsettled(channel=channel)).stranded = count
        for channel, count, beat in session.execute(
                sa_select(col(TicketRow.channel), func.count(),
                          func.max(col(ClaimHolderRow.heartbeat_at)))
                .join(ClaimHolderRow, col(ClaimHolderRow.token) == col(TicketRow.claim_token))
                .where(sending, live).group_by(col(TicketRow.channel))):
            row = out[channel]
            row.held, row.stranded = count, row.stranded - count
            row.held_until = as_utc(beat) + timedelta(seconds=lease_s)
        for is_later in (True, False):
            for channel, needs_lookup, count, first in session.execute(
                    sa_select(col(TicketRow.channel), col(TicketRow.needs_lookup), func.count(),
                              func.min(col(TicketRow.next_attempt_at)))
                    .where(pending, later if is_later else ~later)
                    .group_by(col(TicketRow.channel), col(TicketRow.needs_lookup))):
                row = out.setdefault(channel, Unsettled(channel=channel))
                when = as_utc(first) if is_later else now
                if needs_lookup:
                    row.lookup += count
                    row.lookup_from = _first(row.lookup_from, when)
                elif is_later:
                    row.retry, row.retry_from = count, when
                else:
                    row.due = count
        for channel, row in out.items():
            row.last_error = session.exec(
                select(TicketRow.last_error)
                .where(TicketRow.channel == channel,
                       or_(col(TicketRow.state) == SendState.pending,
                           col(TicketRow.state) == SendState.sending),
                       col(TicketRow.last_error).is_not(None))
                .order_by(col(TicketRow.next_attempt_at)).limit(1)).first()
    return [out[c] for c in sorted(out)]


def describe(row: Unsettled) -> str:
    """One line: how many, why, and when each group is tried again."""
    def at(when: datetime | None) -> str:
        return when.isoformat(timespec="seconds") if when else "?"

    parts = []
    if row.held:
        parts.append(f"{row.held} held by another live run (taken over by {at(row.held_until)} "
                     "if it dies)")
    if row.stranded:
        parts.append(f"{row.stranded} left by a run that is gone (the next run looks them up "
                     "at once)")
    if row.lookup:
        parts.append(f"{row.lookup} waiting for a lookup after an ambiguous write (from "
                     f"{at(row.lookup_from)})")
    if row.retry:
        parts.append(f"{row.retry} to retry later (from {at(row.retry_from)})")
    if row.due:
        parts.append(f"{row.due} due now (the next run pushes them)")
    return "; ".join(parts)
