"""Routes for integrators: sync runs and the quarantine, never reporter identity.

Quarantine entries are shown as ``hub.sync.quarantine`` summarises them (detail scrubbed, no raw
record); runs are read from the audit trail, which every stage of a run writes to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.api.auth import role_of
from hub.api.csvout import csv_response, wants_csv
from hub.ledger.tables import AuditRow, as_utc
from hub.sync.pipeline import Hub
from hub.sync.quarantine import EntrySummary, list_entries
from hub.view.apikeys import Role, RoleKind


class RunSummary(BaseModel):
    run_id: str
    started: datetime
    finished: datetime
    events: dict[str, int]


def integrator(role: Annotated[Role, Depends(role_of)]) -> Role:
    if role.kind is not RoleKind.integrator:
        raise HTTPException(403, "only an integrator key sees runs and quarantine")
    return role


Integrator = Annotated[Role, Depends(integrator)]


class Problem(BaseModel):
    detail: str


# What the OpenAPI says these routes answer besides 200: a CSV body too, and 401/403.
OPS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    401: {"model": Problem}, 403: {"model": Problem, "description": "not an integrator key"}}


def add_ops_routes(app: FastAPI, hub: Hub) -> None:
    fmt = Query(None, pattern="^(json|csv)$")

    @app.get("/api/v1/quarantine", response_model=list[EntrySummary],
             summary="Open quarantine entries (integrator)", responses=OPS_RESPONSES)
    def quarantine(request: Request, _role: Integrator, channel: str | None = None,
                   reason: str | None = None, include_resolved: bool = False,
                   format: str | None = fmt) -> Any:
        entries = list_entries(hub, channel=channel, reason=reason,
                               include_resolved=include_resolved)
        if wants_csv(request, format):
            return csv_response(EntrySummary, entries, "quarantine.csv")
        return entries

    @app.get("/api/v1/runs", response_model=list[RunSummary],
             summary="Recent sync runs from the audit trail (integrator)",
             responses=OPS_RESPONSES)
    def runs(request: Request, _role: Integrator,
             limit: Annotated[int, Query(ge=1, le=200)] = 20,
             format: str | None = fmt) -> Any:
        by_run: dict[str, RunSummary] = {}
        with Session(hub.engine) as session:
            latest = list(session.exec(
                select(AuditRow.run_id, func.max(AuditRow.at)).where(
                    col(AuditRow.run_id).is_not(None)).group_by(AuditRow.run_id)
                .order_by(func.max(AuditRow.at).desc()).limit(limit)))
            ids = [run_id for run_id, _ in latest if run_id]
            grouped = sa_select(col(AuditRow.run_id), col(AuditRow.event), func.min(AuditRow.at),
                                func.max(AuditRow.at), func.count()).where(
                col(AuditRow.run_id).in_(ids)).group_by(AuditRow.run_id, AuditRow.event)
            for run_id, event, first, last, count in session.connection().execute(grouped):
                run = by_run.setdefault(str(run_id), RunSummary(
                    run_id=str(run_id), started=as_utc(first), finished=as_utc(last), events={}))
                run.started, run.finished = min(run.started, as_utc(first)), \
                    max(run.finished, as_utc(last))
                run.events[event] = count
        out = [by_run[i] for i in ids if i in by_run]
        if wants_csv(request, format):
            return csv_response(RunSummary, out, "runs.csv")
        return out
