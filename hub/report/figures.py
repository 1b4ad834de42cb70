"""The figures of a monthly report, computed once for the HTML page and the Prefect artifact.

Scope is the oversight view (every channel and agency); no figure carries reporter identity or
complaint text, so the same figures are safe in an artifact.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Engine

from hub.core.models import LaporStatus
from hub.sla.compliance import Compliance, aggregate
from hub.sla.rules import SlaRules, default_rules
from hub.view.apikeys import Role, RoleKind
from hub.view.period import month
from hub.view.tickets import TicketFilter, iter_visible

CLOSED = frozenset({LaporStatus.selesai, LaporStatus.bukan_wewenang, LaporStatus.diarsipkan})


class DayCount(BaseModel):
    day: date
    open: int


class ReportFigures(BaseModel):
    period: str
    date_from: date
    date_to: date
    as_of: datetime
    reports: int
    done: int
    in_process: int
    by_channel: dict[str, int]
    by_instansi: dict[str, int]
    by_status: dict[str, int]
    sla_total: Compliance
    sla_by_instansi: list[Compliance]
    sla_by_channel: list[Compliance]
    backlog: list[DayCount]


def compute(engine: Engine, period: str, now: datetime | None = None,
            rules: SlaRules | None = None) -> ReportFigures:
    rules = rules or default_rules()
    first, last = month(period)
    at = now or datetime.now(UTC)
    flt = TicketFilter(date_from=first, date_to=last)
    items = list(iter_visible(engine, Role(RoleKind.oversight), flt, rules, at))
    cal = rules.calendar
    statuses = Counter(r.lapor_status.value for r, _ in items)
    done = sum(n for s, n in statuses.items() if LaporStatus(s) in CLOSED)
    report = aggregate((r.channel, r.ticket.instansi_label, s) for r, s in items)
    # Backlog at the end of each day: created by then and not yet closed by then.
    spans = []
    for record, _ in items:
        facts = record.facts()
        closed = min((t for s, t in facts.reached.items() if s in CLOSED), default=None)
        spans.append((cal.local(facts.dibuat).date(),
                      cal.local(closed).date() if closed else None))
    end = min(last, cal.local(at).date())
    backlog, day = [], first
    while day <= end:
        open_ = sum(1 for made, closed in spans if made <= day and (closed is None or closed > day))
        backlog.append(DayCount(day=day, open=open_))
        day += timedelta(days=1)
    return ReportFigures(
        period=period, date_from=first, date_to=last, as_of=at, reports=len(items), done=done,
        in_process=len(items) - done,
        by_channel=dict(Counter(r.channel for r, _ in items).most_common()),
        by_instansi=dict(Counter(r.ticket.instansi_label for r, _ in items).most_common()),
        by_status=dict(statuses.most_common()), sla_total=report.total,
        sla_by_instansi=report.by_instansi, sla_by_channel=report.by_channel, backlog=backlog)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def to_markdown(f: ReportFigures) -> str:
    """The same figures as a Prefect markdown artifact."""
    lines = [f"# lapor-hub — {f.period}", "",
             f"**{f.reports} reports, {f.done} done, {f.in_process} in process.** "
             f"SLA compliance overall: {_pct(f.sla_total.compliance_pct)} "
             f"({f.sla_total.late} open and late, {f.sla_total.at_risk} at risk).", "",
             "| OPD | tickets | late | at risk | compliance |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {c.group} | {c.tickets} | {c.late} | {c.at_risk} | {_pct(c.compliance_pct)} |"
              for c in f.sla_by_instansi]
    lines += ["", "| channel | tickets | compliance |", "|---|---:|---:|"]
    lines += [f"| {c.group} | {c.tickets} | {_pct(c.compliance_pct)} |" for c in f.sla_by_channel]
    lines += ["", "| status | tickets |", "|---|---:|"]
    lines += [f"| {s} | {n} |" for s, n in f.by_status.items()]
    return "\n".join(lines) + "\n"
