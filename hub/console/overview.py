"""The overview's figures for one role: what came in, what is done, SLA state, backlog.

One pass over what ``hub.view`` lets the role see. The period figures use the API's own filter
(``hub.view.tickets.matches``) and the SLA aggregate ``GET /api/v1/sla`` uses, so the two agree;
``done`` is the report's set of closed statuses. The backlog counts every visible ticket open at
the end of each of the last 30 days, and never a day after today.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from hub.report.figures import CLOSED, DayCount
from hub.sla.compliance import Compliance, ComplianceReport, aggregate
from hub.sla.rules import SlaRules
from hub.sync.pipeline import Hub
from hub.sync.quarantine import list_entries
from hub.view.apikeys import Role, RoleKind
from hub.view.tickets import TicketFilter, iter_visible, matches

BACKLOG_DAYS = 30


class GroupRow(BaseModel):
    group: str
    tickets_in: int
    done: int
    sla: Compliance


class Overview(BaseModel):
    date_from: date
    date_to: date
    as_of: datetime
    tickets_in: int
    done: int
    sla: ComplianceReport
    by_channel: list[GroupRow]
    by_instansi: list[GroupRow]
    worst: list[Compliance]
    backlog: list[DayCount]
    quarantine: dict[str, int] | None  # by reason, integrators only


def _rows(sla: list[Compliance], counts: Counter[str], done: Counter[str]) -> list[GroupRow]:
    return [GroupRow(group=c.group, tickets_in=counts[c.group], done=done[c.group], sla=c)
            for c in sla]


def worst_offenders(groups: list[Compliance], n: int = 5) -> list[Compliance]:
    """Most open-and-late first, then the lowest compliance; groups with nothing wrong left out."""
    bad = [c for c in groups if c.late or c.missed or c.at_risk]
    return sorted(bad, key=lambda c: (-c.late, c.compliance_pct if c.compliance_pct is not None
                                      else 101.0, -c.at_risk, c.group))[:n]


def compute_overview(hub: Hub, role: Role, rules: SlaRules, now: datetime,
                     first: date, last: date) -> Overview:
    cal = rules.calendar
    period = TicketFilter(date_from=first, date_to=last)
    in_period = []
    spans: list[tuple[date, date | None]] = []
    for record, sla in iter_visible(hub.engine, role, TicketFilter(), rules, now):
        facts = record.facts()
        closed = min((t for s, t in facts.reached.items() if s in CLOSED), default=None)
        spans.append((cal.local(facts.dibuat).date(),
                      cal.local(closed).date() if closed else None))
        if matches(record, sla, period, rules):
            in_period.append((record, sla))
    report = aggregate((r.channel, r.ticket.instansi_label, s) for r, s in in_period)
    closed_ones = [r for r, _ in in_period if r.lapor_status in CLOSED]
    by_channel, by_instansi = (Counter(r.channel for r, _ in in_period),
                               Counter(r.ticket.instansi_label for r, _ in in_period))
    done_channel = Counter(r.channel for r in closed_ones)
    done_instansi = Counter(r.ticket.instansi_label for r in closed_ones)

    today = cal.local(now).date()
    opened = Counter(made for made, _ in spans)
    shut = Counter(closed for _, closed in spans if closed is not None)
    start = today - timedelta(days=BACKLOG_DAYS - 1)
    # Open at the end of day d = created by d and not closed by d: a running sum.
    open_now = sum(n for d, n in opened.items() if d < start) - \
        sum(n for d, n in shut.items() if d < start)
    backlog = []
    for i in range(BACKLOG_DAYS):
        d = start + timedelta(days=i)
        open_now += opened[d] - shut[d]
        backlog.append(DayCount(day=d, open=open_now))

    quarantine = None
    if role.kind is RoleKind.integrator:
        quarantine = dict(Counter(e.reason for e in list_entries(hub)).most_common())
    return Overview(
        date_from=first, date_to=last, as_of=now, tickets_in=len(in_period),
        done=len(closed_ones), sla=report,
        by_channel=_rows(report.by_channel, by_channel, done_channel),
        by_instansi=_rows(report.by_instansi, by_instansi, done_instansi),
        worst=worst_offenders(report.by_instansi), backlog=backlog, quarantine=quarantine)

