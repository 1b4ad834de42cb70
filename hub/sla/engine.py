"""Each ticket's deadlines and where it stands: on time, at risk or late, and by how much.

Pure: a ticket's facts, the rules and a moment in, a verdict out. When a stage was done is the
first time the ticket is known to have reached one of its ``done_when`` statuses. The ledger only
knows some of those moments (see ``hub.view.records``); a status reached without a known time
counts from the ticket's last update, which can only make a stage look later, never earlier.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from hub.core.models import LaporStatus
from hub.sla.calendar import CalendarRangeError, Unit
from hub.sla.rules import CREATED, SlaRules, Stage


class SlaState(StrEnum):
    on_time = "on_time"  # open, less than the at-risk share of the time used
    at_risk = "at_risk"  # open, most of the time used
    late = "late"  # open, past the deadline
    met = "met"  # done in time
    missed = "missed"  # done, but after the deadline
    waiting = "waiting"  # the stage has not started (an earlier one is not done)
    error = "error"  # cannot be computed for this ticket (e.g. a date out of range)


# Worst first: a ticket is as late as its worst stage.
SEVERITY = [SlaState.late, SlaState.missed, SlaState.at_risk, SlaState.on_time, SlaState.met,
            SlaState.waiting, SlaState.error]
OPEN = frozenset({SlaState.on_time, SlaState.at_risk, SlaState.late})


class TicketFacts(BaseModel):
    channel: str
    sla_class: str | None = None
    dibuat: datetime
    status: LaporStatus
    reached: dict[LaporStatus, datetime] = {}


class StageVerdict(BaseModel):
    stage: str
    label: str
    within: str
    compliance: bool
    state: SlaState
    started: datetime | None = None
    deadline: datetime | None = None
    done_at: datetime | None = None
    used_share: float | None = None  # of the allowed time, open stages only
    overrun: float = 0.0  # past the deadline, in ``unit``
    unit: Unit = Unit.working_days
    escalate: bool = False  # open and past the point where the OPD head is told


class TicketSla(BaseModel):
    rule: str
    state: SlaState
    stages: list[StageVerdict]
    error: str | None = None  # why the SLA is unknown (state ``error``); never a value

    def stage(self, name: str) -> StageVerdict:
        return next(s for s in self.stages if s.stage == name)


def _done_at(stage: Stage, facts: TicketFacts) -> datetime | None:
    times = [at for status, at in facts.reached.items() if status in stage.done_when]
    return min(times) if times else None


def _verdict(stage: Stage, start: datetime | None, facts: TicketFacts, rules: SlaRules,
             now: datetime) -> StageVerdict:
    cal, span = rules.calendar, stage.span_for(facts.sla_class)
    base = StageVerdict(stage=stage.name, label=stage.label, within=str(span),
                        compliance=stage.compliance, state=SlaState.waiting, unit=span.unit)
    if start is None:
        return base
    deadline = cal.add(start, span)
    done = _done_at(stage, facts)
    base.started, base.deadline, base.done_at = start, deadline, done
    if done is not None:
        base.state = SlaState.met if done <= deadline else SlaState.missed
        base.overrun = round(cal.elapsed(deadline, done, span.unit), 2)
        return base
    allowed = cal.elapsed(start, deadline, span.unit)
    used = cal.elapsed(start, now, span.unit)
    base.used_share = round(used / allowed, 3) if allowed else 1.0
    risk_from = (cal.add(start, stage.at_risk_after) if stage.at_risk_after else None)
    escalate_at = cal.add(start, stage.escalate_after) if stage.escalate_after else deadline
    base.escalate = now >= escalate_at
    if now > deadline:
        base.state = SlaState.late
        base.overrun = round(cal.elapsed(deadline, now, span.unit), 2)
    elif (risk_from is not None and now >= risk_from) or \
            (risk_from is None and base.used_share >= rules.at_risk_share):
        base.state = SlaState.at_risk
    else:
        base.state = SlaState.on_time
    return base


def unknown(channel: str, rules: SlaRules, why: str) -> TicketSla:
    """The marker for one ticket whose SLA cannot be computed: the list around it goes on."""
    return TicketSla(rule=rules.for_channel(channel).source, state=SlaState.error, stages=[],
                     error=why)


def evaluate(facts: TicketFacts, rules: SlaRules, now: datetime) -> TicketSla:
    try:
        return _evaluate(facts, rules, now)
    except (OverflowError, CalendarRangeError):
        return unknown(facts.channel, rules, "a date of this ticket is out of range")


def _evaluate(facts: TicketFacts, rules: SlaRules, now: datetime) -> TicketSla:
    rule = rules.for_channel(facts.channel)
    done: dict[str, datetime | None] = {CREATED: facts.dibuat}
    verdicts: list[StageVerdict] = []
    for stage in rule.stages:
        verdict = _verdict(stage, done.get(stage.start), facts, rules, now)
        done[stage.name] = verdict.done_at
        verdicts.append(verdict)
    counted = [v.state for v in verdicts if v.compliance] or [SlaState.waiting]
    return TicketSla(rule=rule.source, state=min(counted, key=SEVERITY.index), stages=verdicts)
