"""One reminder round as a plain function: record what is due, deliver, announce."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel
from sqlmodel import Session, col, select

from hub.ledger.tables import TicketRow
from hub.reminders.deliver import announce, deliver
from hub.reminders.due import record_due, undelivered
from hub.sla.rules import SlaRules, default_rules
from hub.sync.pipeline import Hub

MAX_ATTEMPTS = 10


class RoundOutcome(BaseModel):
    recorded: dict[str, int]  # new notifications by level
    delivered: int
    failed: int
    events: int

    def describe(self) -> str:
        levels = ", ".join(f"{n} {level}" for level, n in sorted(self.recorded.items())) or "none"
        return (f"new notifications: {levels}; delivered {self.delivered}, "
                f"failed {self.failed} (retried next round); events {self.events}")


def remind_round(hub: Hub, now: datetime | None = None, rules: SlaRules | None = None,
                 transport: httpx.BaseTransport | None = None) -> RoundOutcome:
    at = now or datetime.now(UTC)
    fresh = set(record_due(hub.engine, rules or default_rules(), at))
    pending = undelivered(hub.engine, MAX_ATTEMPTS)
    ids = list({row.ticket_id for row in pending})
    with Session(hub.engine) as session:
        tracking = dict(session.exec(select(TicketRow.id, TicketRow.tracking_id)
                                     .where(col(TicketRow.id).in_(ids))).all()) if ids else {}
    delivered, failed = deliver(hub.engine, pending, hub.settings.notify,
                                {int(k): v for k, v in tracking.items() if k is not None},
                                transport)
    new_rows = [row for row in pending if row.id in fresh]
    return RoundOutcome(recorded=dict(Counter(row.level for row in new_rows)),
                        delivered=delivered, failed=failed, events=announce(new_rows))
