"""Which notifications are due, recorded once per ticket, stage and level.

Levels: ``at_risk`` and ``late`` go to the responsible unit (the officer's SIASN unit when the
two-way sync knows it, else the instansi); ``escalated`` goes to the OPD head once the stage is
past its escalation point (the deadline, or e.g. Sambat's day 10). The unique key on
(ticket, stage, level) makes every run after the first a no-op for the same situation, even with
two workers racing: the loser's insert fails and is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hub.ledger.oversight_tables import NotificationRow
from hub.sla.engine import SlaState, StageVerdict, evaluate
from hub.sla.rules import SlaRules
from hub.view.records import TicketRecord, scan

AT_RISK, LATE, ESCALATED = "at_risk", "late", "escalated"


@dataclass(frozen=True)
class Due:
    record: TicketRecord
    stage: StageVerdict
    level: str

    @property
    def recipient(self) -> str:
        t = self.record.ticket
        if self.level == ESCALATED:
            return f"head:{t.instansi_label}"
        return f"unit:{self.record.sync.unit or t.instansi_label}"


def find_due(engine: Engine, rules: SlaRules, now: datetime) -> Iterator[Due]:
    for record in scan(engine):
        if record.problem is not None:
            continue  # no deadline can be computed: shown with an error marker in the views
        for stage in evaluate(record.facts(), rules, now).stages:
            if not stage.compliance:
                continue
            if stage.state is SlaState.at_risk:
                yield Due(record, stage, AT_RISK)
            elif stage.state is SlaState.late:
                yield Due(record, stage, LATE)
                if stage.escalate:
                    yield Due(record, stage, ESCALATED)
            elif stage.state is SlaState.on_time and stage.escalate:
                yield Due(record, stage, ESCALATED)


def _detail(due: Due) -> str:
    """What the recipient reads: ids, stage and time, never the reporter or the complaint text."""
    s, r = due.stage, due.record
    when = f"late by {s.overrun:g} {s.unit.value.replace('_', ' ')}" if s.overrun else \
        f"{round(100 * (s.used_share or 0))}% of {s.within} used"
    return json.dumps({"message": f"Ticket {r.tracking_id or r.source_id} ({r.channel}), stage "
                       f"'{s.label}': {when}; due {s.deadline.isoformat() if s.deadline else '-'}"})


def record_due(engine: Engine, rules: SlaRules, now: datetime) -> list[int]:
    """Store every due notification not stored before; returns the ids of the new ones."""
    fresh: list[int] = []
    with Session(engine) as session:
        known = {(n.ticket_id, n.stage, n.level) for n in session.exec(select(NotificationRow))}
        for due in find_due(engine, rules, now):
            key = (due.record.id, due.stage.stage, due.level)
            if key in known or due.stage.deadline is None:
                continue
            row = NotificationRow(ticket_id=due.record.id, channel=due.record.channel,
                                  instansi=due.record.ticket.instansi_label, stage=due.stage.stage,
                                  level=due.level, recipient=due.recipient,
                                  deadline=due.stage.deadline, detail=_detail(due))
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                continue  # another worker recorded it first: once is the point
            known.add(key)
            fresh.append(row.id or 0)
        session.commit()
    return fresh


def undelivered(engine: Engine, max_attempts: int) -> list[NotificationRow]:
    with Session(engine) as session:
        return list(session.exec(select(NotificationRow).where(
            col(NotificationRow.delivered_at).is_(None),
            NotificationRow.attempts < max_attempts).order_by(col(NotificationRow.id))))
