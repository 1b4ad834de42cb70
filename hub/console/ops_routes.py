"""Operations pages for integrators: quarantine by reason, one entry masked, replay with a
confirmation page first (a GET shows what would run; only the POST with the CSRF token runs it)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse

from hub.console.base import Console
from hub.console.ops import last_runs, quarantine_groups
from hub.console.session import User, csrf_ok
from hub.sync.quarantine import (
    QuarantineNotFound,
    ReplayOutcome,
    list_entries,
    replay,
    replay_by_reason,
    show_entry,
)
from hub.view.apikeys import RoleKind

log = structlog.get_logger(__name__)


def add_ops_pages(app: FastAPI, c: Console) -> None:
    hub = c.hub

    def integrator(request: Request) -> tuple[User, HTMLResponse | None]:
        user = c.user(request)
        if user.role.kind is not RoleKind.integrator:
            return user, c.render(request, "message.html", user, status=403, message="forbidden")
        return user, None

    @app.get("/ops", include_in_schema=False)
    def ops(request: Request) -> HTMLResponse:
        user, refused = integrator(request)
        if refused:
            return refused
        return c.render(request, "ops.html", user, groups=quarantine_groups(hub),
                        runs=last_runs(hub))

    @app.get("/ops/quarantine/{entry_id}", include_in_schema=False)
    def entry(request: Request, entry_id: int) -> HTMLResponse:
        user, refused = integrator(request)
        if refused:
            return refused
        try:
            found = show_entry(hub, entry_id)
        except QuarantineNotFound:
            return c.render(request, "message.html", user, status=404, message="not_found")
        return c.render(request, "entry.html", user, e=found)

    @app.get("/ops/replay", include_in_schema=False)
    def confirm(request: Request, reason: str) -> HTMLResponse:
        user, refused = integrator(request)
        if refused:
            return refused
        return c.render(request, "confirm.html", user, reason=reason,
                        entries=list_entries(hub, reason=reason))

    @app.post("/ops/replay", include_in_schema=False)
    def run_replay(request: Request, csrf: Annotated[str, Form()] = "",
                   entry_id: Annotated[int | None, Form()] = None,
                   reason: Annotated[str | None, Form()] = None) -> HTMLResponse:
        user, refused = integrator(request)
        if refused:
            return refused
        if not csrf_ok(user, csrf):
            return c.render(request, "message.html", user, status=403, message="bad_form")
        run_id = f"console-replay:{user.key_id}"
        outcomes: list[ReplayOutcome] = []
        error = None
        try:
            if entry_id is not None:
                outcomes = [replay(hub, entry_id, run_id=run_id)]
            elif reason:
                outcomes = replay_by_reason(hub, reason, run_id=run_id)
        except (QuarantineNotFound, ValueError) as exc:
            error = str(exc)
        log.info("console.replay", key_id=user.key_id, entries=len(outcomes),
                 replayed=sum(o.replayed for o in outcomes))
        return c.render(request, "replayed.html", user, status=400 if error else 200,
                        outcomes=outcomes, error=error)
