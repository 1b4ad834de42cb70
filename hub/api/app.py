"""The read API: ``create_app(hub)`` so ``lapor-hub serve`` can mount it, ``lapor-hub api`` alone.

Every route takes the caller's role from its API key (``X-API-Key`` or ``Authorization: Bearer``)
and asks ``hub.view`` what that role may see; no route decides visibility by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel

from hub.api import cursor as cursors
from hub.api.auth import RoleDep
from hub.api.csvout import csv_response, wants_csv
from hub.api.ops import add_ops_routes
from hub.core.models import LaporStatus
from hub.sla.compliance import Compliance, ComplianceReport, aggregate
from hub.sla.engine import SlaState
from hub.sla.rules import SlaRules, default_rules
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, RoleKind
from hub.view.period import PeriodError, parse_period
from hub.view.tickets import (
    TicketDetail,
    TicketFilter,
    TicketSummary,
    iter_visible,
    list_tickets,
    summarize,
    ticket_detail,
)

Clock = Callable[[], datetime]
class Problem(BaseModel):
    detail: str


class TicketPage(BaseModel):
    items: list[TicketSummary]
    count: int
    next_cursor: str | None = None


class SlaPage(ComplianceReport):
    date_from: str | None
    date_to: str | None
    as_of: datetime


class SlaRow(Compliance):
    dimension: str


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": Problem}, 401: {"model": Problem}}
# Lists may also be served as CSV (``?format=csv`` or ``Accept: text/csv``).
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
FORMAT = Query(None, pattern="^(json|csv)$", description="csv, or send Accept: text/csv")


def _known_instansi(hub: Hub) -> set[str]:
    found = set()
    for mapping in hub.mappings.values():
        targets = [*mapping.category.map.values(), mapping.category.default]
        found |= {t.instansi for t in targets if t is not None and t.instansi is not None}
    return found


def create_app(hub: Hub, *, clock: Clock | None = None, rules: SlaRules | None = None) -> FastAPI:
    app = FastAPI(title="lapor-hub read API", version="1",
                  description="One view of every channel's complaints with SLA on Indonesian "
                  "working days. Each API key has a role: `oversight`, `agency:<instansi>` or "
                  "`integrator`; a ticket outside a key's share answers 404.")
    now: Clock = clock or (lambda: datetime.now(UTC))
    sla_rules = rules or default_rules()
    known_instansi = _known_instansi(hub)
    app.state.hub = hub

    def ticket_filter(role: Role, channel: list[str] | None, instansi: str | None,
                      period: str | None, start: str | None, end: str | None) -> TicketFilter:
        unknown = sorted(set(channel or []) - set(hub.mappings))
        if unknown:
            raise HTTPException(400, f"unknown channel {', '.join(unknown)}; known: "
                                f"{', '.join(sorted(hub.mappings))}")
        if role.kind is RoleKind.agency:
            if instansi not in (None, role.instansi):
                raise HTTPException(400, f"this key sees only instansi {role.instansi}")
        elif instansi is not None and instansi not in known_instansi:
            raise HTTPException(400, f"unknown instansi {instansi!r}")
        try:
            first, last = parse_period(period, start, end)
        except PeriodError as exc:
            raise HTTPException(400, str(exc)) from None
        return TicketFilter(channel=channel, instansi=instansi, date_from=first, date_to=last)

    @app.get("/api/v1/tickets", response_model=TicketPage, responses=LIST_RESPONSES,
             summary="Tickets of every channel the key may see, newest first")
    def tickets(request: Request, role: RoleDep,
                channel: Annotated[list[str] | None, Query()] = None,
                instansi: str | None = None, status: LaporStatus | None = None,
                sla: Annotated[SlaState | None, Query(description="SLA state")] = None,
                period: Annotated[str | None, Query(description="2026-10 or a..b")] = None,
                start: Annotated[str | None, Query(alias="from")] = None,
                end: Annotated[str | None, Query(alias="to")] = None,
                cursor: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                format: str | None = FORMAT) -> Any:
        flt = ticket_filter(role, channel, instansi, period, start, end)
        flt.status, flt.sla = status, sla
        query = cursors.fingerprint(str(role), flt.model_dump_json())
        try:
            before = cursors.decode(cursor, query) if cursor else None
        except cursors.CursorError as exc:
            raise HTTPException(400, str(exc)) from None
        at = now()
        if wants_csv(request, format):  # the whole list from the cursor on, not one page
            pairs = iter_visible(hub.engine, role, flt, sla_rules, at, before)
            rows = (summarize(role, record, verdict) for record, verdict in pairs)
            return csv_response(TicketSummary, rows, "tickets.csv")
        items, next_before = list_tickets(hub.engine, role, flt, sla_rules, at,
                                          before_id=before, limit=limit)
        return TicketPage(items=items, count=len(items),
                          next_cursor=cursors.encode(next_before, query) if next_before else None)

    @app.get("/api/v1/tickets/{ticket_id}", response_model=TicketDetail,
             responses={**ERRORS, 404: {"model": Problem}},
             summary="One ticket: both sides' statuses, officer, SLA stages, audit trail")
    def ticket(ticket_id: int, role: RoleDep) -> TicketDetail:
        if not 1 <= ticket_id <= cursors.MAX_POSITION:
            raise HTTPException(400, f"ticket id must be within 1..{cursors.MAX_POSITION}")
        found = ticket_detail(hub.engine, role, ticket_id, sla_rules, now())
        if found is None:  # the same answer whether it does not exist or is not yours
            raise HTTPException(404, "ticket not found")
        return found

    @app.get("/api/v1/sla", response_model=SlaPage, responses=LIST_RESPONSES,
             summary="SLA compliance per channel and per OPD for a period")
    def sla_compliance(request: Request, role: RoleDep,
                       channel: Annotated[list[str] | None, Query()] = None,
                       instansi: str | None = None,
                       period: Annotated[str | None, Query(description="2026-10 or a..b")] = None,
                       start: Annotated[str | None, Query(alias="from")] = None,
                       end: Annotated[str | None, Query(alias="to")] = None,
                       format: str | None = FORMAT) -> Any:
        flt = ticket_filter(role, channel, instansi, period, start, end)
        at = now()
        report = aggregate((r.channel, r.ticket.instansi_label, s) for r, s in
                           iter_visible(hub.engine, role, flt, sla_rules, at))
        if wants_csv(request, format):
            rows = [SlaRow(dimension=dim, **c.model_dump()) for dim, group in
                    (("total", [report.total]), ("channel", report.by_channel),
                     ("instansi", report.by_instansi)) for c in group]
            return csv_response(SlaRow, rows, "sla.csv")
        return SlaPage(**report.model_dump(), as_of=at,
                       date_from=str(flt.date_from) if flt.date_from else None,
                       date_to=str(flt.date_to) if flt.date_to else None)

    add_ops_routes(app, hub)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
