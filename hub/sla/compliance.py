"""Compliance figures: per group (channel, OPD), how many stages were done in time.

A stage counts once it is decided: done (met or missed) or past its deadline while open (late).
Stages still running in time are not counted yet, so a fresh month does not look perfect.
Stages marked ``compliance: false`` (e.g. LAPOR!'s own auto-close) never count.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from hub.sla.engine import SlaState, TicketSla


class Compliance(BaseModel):
    group: str
    tickets: int = 0
    on_time: int = 0  # tickets whose overall state is on time
    at_risk: int = 0
    late: int = 0
    met: int = 0
    missed: int = 0
    error: int = 0  # tickets whose SLA cannot be computed (shown, never counted as in time)
    stages_decided: int = 0
    stages_in_time: int = 0
    compliance_pct: float | None = None  # stages done in time / stages decided

    def add(self, sla: TicketSla) -> None:
        self.tickets += 1
        if sla.state is not SlaState.waiting:
            setattr(self, sla.state.value, getattr(self, sla.state.value) + 1)
        for stage in sla.stages:
            if not stage.compliance or stage.state in (SlaState.waiting, SlaState.on_time,
                                                       SlaState.at_risk):
                continue
            self.stages_decided += 1
            self.stages_in_time += stage.state is SlaState.met
        if self.stages_decided:
            self.compliance_pct = round(100 * self.stages_in_time / self.stages_decided, 1)


class ComplianceReport(BaseModel):
    total: Compliance
    by_channel: list[Compliance]
    by_instansi: list[Compliance]


def aggregate(items: Iterable[tuple[str, str, TicketSla]]) -> ComplianceReport:
    """``items``: (channel, instansi, verdict) of each ticket in scope."""
    total = Compliance(group="all")
    channels: dict[str, Compliance] = {}
    agencies: dict[str, Compliance] = {}
    for channel, instansi, sla in items:
        total.add(sla)
        channels.setdefault(channel, Compliance(group=channel)).add(sla)
        agencies.setdefault(instansi, Compliance(group=instansi)).add(sla)
    return ComplianceReport(total=total,
                            by_channel=sorted(channels.values(), key=lambda c: c.group),
                            by_instansi=sorted(agencies.values(), key=lambda c: c.group))
