"""The web console at ``/``, next to the JSON API under ``/api/v1`` on the same app.

``create_console_app(hub)`` is the API's app with the console mounted: sign-in, overview, tickets,
one ticket, operations. Every page asks ``hub.view`` what the session's role may see, exactly as
the API does; the console only lays it out. Pages are server-rendered (Jinja2), with one small
script that refreshes the overview's figures every 30 s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from hub.api.app import create_app
from hub.api.csvout import csv_response
from hub.console import i18n
from hub.console.base import HERE, LANG_COOKIE, Clock, Console, SignInRequired
from hub.console.cache import Kept
from hub.console.listing import ListQuery, Sort, page, rows
from hub.console.ops_routes import add_ops_pages
from hub.console.overview import Overview, compute_overview
from hub.console.session import User, csrf_ok
from hub.core.models import LaporStatus
from hub.sla.engine import SlaState
from hub.sla.rules import SlaRules, default_rules
from hub.sync.pipeline import Hub
from hub.view.period import PeriodError, month
from hub.view.story import ticket_story
from hub.view.tickets import TicketSummary

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
LIST_FIELDS = ("channel", "instansi", "lapor_status", "channel_status", "sla", "date_from",
               "date_to", "q", "sort")


def _list_query(request: Request) -> ListQuery:
    given = {k: v for k in LIST_FIELDS if (v := request.query_params.get(k, "").strip())}
    return ListQuery.model_validate(given)


def _period(value: str | None, now: datetime, rules: SlaRules) -> tuple[str, Any, Any]:
    label = value or rules.calendar.local(now).strftime("%Y-%m")
    first, last = month(label)
    return label, first, last


def add_console(app: FastAPI, hub: Hub, *, clock: Clock | None = None,
                rules: SlaRules | None = None) -> None:
    c = Console(hub, clock or (lambda: datetime.now(UTC)), rules or default_rules())
    kept: Kept[Overview] = Kept()
    sorted_lists: Kept[list[TicketSummary]] = Kept()
    app.mount("/static/console", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if request.url.path.endswith("/live"):
            return Response(status_code=401)  # the refresh script reloads into the sign-in
        return RedirectResponse("/login", status_code=303)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if not request.url.path.startswith(("/api/", "/docs", "/openapi", "/redoc")):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    def login_form(request: Request, error: str | None = None) -> HTMLResponse:
        token = c.sessions.new_login_token()
        response = c.render(request, "login.html", None, status=400 if error else 200,
                            error=error, token=token)
        c.sessions.set_login_cookie(request, response, token)
        return response

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return login_form(request)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, key: Annotated[str, Form()] = "",
              csrf: Annotated[str, Form()] = "") -> Response:
        if not c.sessions.login_token_ok(request, csrf):
            return login_form(request, error="bad_form")
        response = RedirectResponse("/", status_code=303)
        if c.sessions.sign_in(request, response, key) is None:
            return login_form(request, error="bad_key")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        user = c.user(request)
        if not csrf_ok(user, csrf):
            return c.render(request, "message.html", user, status=403, message="bad_form")
        response = RedirectResponse("/login", status_code=303)
        c.sessions.sign_out(response)
        return response

    @app.get("/lang/{lang}", include_in_schema=False)
    def language(lang: str, back: str = "/") -> Response:
        safe = back if back.startswith("/") and not back.startswith("//") else "/"
        response = RedirectResponse(safe, status_code=303)
        response.set_cookie(LANG_COOKIE, i18n.lang_of(lang), max_age=365 * 86400,
                            samesite="strict", httponly=True)
        return response

    def overview_context(request: Request, user: User) -> dict[str, Any]:
        at = c.now()
        try:
            label, first, last = _period(request.query_params.get("period"), at, c.rules)
        except PeriodError:
            label, first, last = _period(None, at, c.rules)
        figures = kept.get(hub.engine, (str(user.role), first, last),
                           lambda: compute_overview(hub, user.role, c.rules, at, first, last))
        peak = max([d.open for d in figures.backlog] + [1])
        every = request.query_params.get("refresh", "")
        refresh = min(max(int(every), 2), 300) if every.isdigit() else 30
        return {"o": figures, "period": label, "peak": peak, "states": list(SlaState)[:5],
                "refresh": refresh}

    @app.get("/", include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        user = c.user(request)
        return c.render(request, "overview.html", user, **overview_context(request, user))

    @app.get("/overview/live", include_in_schema=False)
    def overview_live(request: Request) -> HTMLResponse:
        user = c.user(request)
        return c.render(request, "_overview_live.html", user, **overview_context(request, user))

    @app.get("/tickets", include_in_schema=False)
    def tickets(request: Request) -> HTMLResponse:
        user = c.user(request)
        error, result, query = None, None, ListQuery()
        try:
            query = _list_query(request)
            result = page(hub, user.role, query, c.rules, c.now(),
                          request.query_params.get("cursor") or None, sorted_lists)
        except (ValidationError, ValueError) as exc:  # PeriodError and CursorError included
            error = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        params = {k: v for k, v in query.model_dump(mode="json").items() if v}
        return c.render(request, "tickets.html", user, status=400 if error else 200,
                        error=error, query=query, params=params, result=result,
                        channels=sorted(hub.mappings), statuses=list(LaporStatus),
                        sla_states=list(SlaState)[:5], sorts=list(Sort))

    @app.get("/export/tickets.csv", include_in_schema=False)
    def export(request: Request) -> Response:
        user = c.user(request)
        try:
            query = _list_query(request)
            found = rows(hub, user.role, query, c.rules, c.now())
        except (ValidationError, ValueError):
            return c.render(request, "message.html", user, status=400, message="bad_filters")
        return csv_response(TicketSummary, found, "tickets.csv")

    @app.get("/tickets/{ticket_id}", include_in_schema=False)
    def ticket(request: Request, ticket_id: str) -> HTMLResponse:
        user = c.user(request)
        story = ticket_story(hub.engine, user.role, int(ticket_id), c.rules, c.now()) \
            if ticket_id.isdigit() and len(ticket_id) < 12 else None
        if story is None:
            return c.not_found(request, user)
        return c.render(request, "ticket.html", user, s=story, d=story.detail)

    add_ops_pages(app, c)


def create_console_app(hub: Hub, *, clock: Clock | None = None,
                       rules: SlaRules | None = None) -> FastAPI:
    """The read API (``/api/v1``) with the console at ``/``: what ``lapor-hub api`` serves."""
    app = create_app(hub, clock=clock, rules=rules)
    add_console(app, hub, clock=clock, rules=rules)
    return app

