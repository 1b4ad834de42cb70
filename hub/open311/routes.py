"""``/open311/v2``: GeoReport v2 over the hub, as an ``APIRouter`` the intake app includes.

Every answer is JSON or XML by the path's suffix; every failure is the specification's error
list with its HTTP status (400 bad parameters, 403 bad or missing api_key, 404 unknown resource).
GETs take an optional ``api_key``: without one (when ``open311.public_read``) a caller sees what
the public may; with one, what its role may (``hub.view``). POST needs a key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.mapping.validation import RawValidator
from hub.open311 import service_defs
from hub.open311.catalog import CHANNEL, Jurisdiction, build_catalog
from hub.open311.submit import lookup_token, submit
from hub.open311.view import RequestFilter, RequestView, service_notice
from hub.open311.wire import FORMATS, Open311Error, error, render
from hub.sla.rules import SlaRules, default_rules
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, RoleKind, resolve_key

log = structlog.get_logger(__name__)
PREFIX = "/open311/v2"
MAX_DAYS, MAX_RESULTS, MAX_BODY = 90, 1000, 64 * 1024
MAX_ID = 2**31 - 1  # ledger ids are 32-bit integers on PostgreSQL
PUBLIC = Role(RoleKind.integrator)  # no identity, no rahasia ticket: what anyone may see

Announce = Callable[[str, str], None]
Handler = Callable[[], Awaitable[Response]]


def _list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


def create_router(hub: Hub, announce: Announce | None = None, *,
                  clock: Callable[[], datetime] | None = None,
                  rules: SlaRules | None = None) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    now = clock or (lambda: datetime.now(UTC))
    sla_rules = rules or default_rules()
    catalog = build_catalog(hub.mappings)
    mapping = hub.mappings[CHANNEL]
    view = RequestView(hub.engine, catalog, mapping, sla_rules)
    validator: RawValidator = hub.validators[CHANNEL]
    cfg = hub.settings.open311

    async def answer(fmt: str, handler: Handler) -> Response:
        if fmt not in FORMATS:
            return error("json", 404, f"format {fmt!r} is not served: use .json or .xml")
        try:
            return await handler()
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    def jurisdiction(params: dict[str, str]) -> Jurisdiction:
        given = params.get("jurisdiction_id") or cfg.default_jurisdiction
        if not given:
            known = ", ".join(catalog.jurisdictions)
            raise Open311Error(400, f"jurisdiction_id is required; this endpoint serves {known}")
        found = catalog.find(given)
        if found is None:
            raise Open311Error(404, f"jurisdiction_id {given!r} is not served here")
        return found

    def role_of(params: dict[str, str], request: Request, *, required: bool) -> Role:
        key = params.get("api_key") or request.headers.get("x-api-key")
        if not key:
            if required or not cfg.public_read:
                raise Open311Error(403, "api_key is required")
            return PUBLIC
        role = resolve_key(hub.engine, key)
        if role is None:  # one answer for every bad key: nothing to probe
            raise Open311Error(403, "invalid api_key")
        return role

    def when(params: dict[str, str], name: str) -> datetime | None:
        text = (params.get(name) or "").strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise Open311Error(400, f"{name} is not a W3C date-time "
                               "(e.g. 2026-10-01T00:00:00+07:00)") from None
        return value if value.tzinfo else value.replace(tzinfo=sla_rules.calendar.tz)

    def request_filter(params: dict[str, str]) -> RequestFilter:
        ids = _list(params.get("service_request_id"))
        if ids is not None:
            if not all(i.isdigit() for i in ids):
                raise Open311Error(400, "service_request_id must be a comma-separated id list")
            return RequestFilter(ids={int(i) for i in ids[:MAX_RESULTS] if int(i) <= MAX_ID})
        statuses = _list(params.get("status"))
        if statuses is not None and not set(statuses) <= {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both, comma-separated")
        start, end = when(params, "start_date"), when(params, "end_date")
        span = timedelta(days=MAX_DAYS)
        if start is not None and end is not None:
            if end < start:
                raise Open311Error(400, "end_date is before start_date")
            if end - start > span:
                raise Open311Error(400, f"start_date to end_date may not span more than "
                                   f"{MAX_DAYS} days")
        elif start is not None:
            end = start + span
        else:
            end = end or now()
            start = end - span
        codes = _list(params.get("service_code"))
        return RequestFilter(codes=set(codes) if codes else None, start=start, end=end,
                             statuses=set(statuses) if statuses else None, limit=MAX_RESULTS)

    @router.get("/discovery.{fmt}", summary="GeoReport v2 service discovery")
    async def get_discovery(fmt: str) -> Response:
        async def run() -> Response:
            return render(fmt, "discovery", service_defs.discovery(hub.settings))
        return await answer(fmt, run)

    @router.get("/services.{fmt}", summary="Services of a jurisdiction: its LAPOR! routes")
    async def get_services(fmt: str, request: Request) -> Response:
        async def run() -> Response:
            juris = jurisdiction(dict(request.query_params))
            return render(fmt, "services", service_defs.services(juris))
        return await answer(fmt, run)

    @router.get("/services/{code}.{fmt}", summary="A service's attribute definitions")
    async def get_definition(code: str, fmt: str, request: Request) -> Response:
        async def run() -> Response:
            juris = jurisdiction(dict(request.query_params))
            service = juris.services.get(code)
            if service is None:
                raise Open311Error(404, f"service_code {code!r} is not a service of {juris.id}")
            return render(fmt, "service_definition", service_defs.definition(service))
        return await answer(fmt, run)

    @router.get("/requests.{fmt}", summary="Service requests (default: the last 90 days)")
    async def get_requests(fmt: str, request: Request) -> Response:
        async def run() -> Response:
            params = dict(request.query_params)
            role, juris = role_of(params, request, required=False), jurisdiction(params)
            flt = request_filter(params)
            return render(fmt, "service_requests", view.many(role, juris, flt, now()))
        return await answer(fmt, run)

    @router.get("/requests/{request_id}.{fmt}", summary="One service request")
    async def get_request(request_id: str, fmt: str, request: Request) -> Response:
        async def run() -> Response:
            params = dict(request.query_params)
            role, juris = role_of(params, request, required=False), jurisdiction(params)
            found = (view.one(role, juris, int(request_id), now())
                     if request_id.isdigit() and int(request_id) <= MAX_ID else None)
            if found is None:  # missing and not yours answer the same
                raise Open311Error(404, f"service_request_id {request_id!r} not found")
            return render(fmt, "service_requests", [found])
        return await answer(fmt, run)

    @router.post("/requests.{fmt}", summary="File a service request (it goes to SP4N-LAPOR!)")
    async def post_request(fmt: str, request: Request) -> Response:
        async def run() -> Response:
            body = await request.body()
            if len(body) > MAX_BODY:
                raise Open311Error(400, f"request body over {MAX_BODY} bytes")
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if body and kind not in ("application/x-www-form-urlencoded", ""):
                raise Open311Error(400, "send the parameters as "
                                   "application/x-www-form-urlencoded")
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise Open311Error(400, "the body is not UTF-8") from None
            params = {**dict(request.query_params), **dict(pairs)}
            role_of(params, request, required=True)
            juris = jurisdiction(params)
            key = params.get("api_key") or request.headers.get("x-api-key") or ""
            key_id = key.split("_")[1] if key.count("_") >= 2 else "key"
            done = submit(hub.engine, validator, juris, params, key_id,
                          request.headers.get("idempotency-key"), now())
            if done.outcome == "accepted":
                log.info("open311.accepted", token=done.token, jurisdiction=juris.id,
                         service_code=params.get("service_code"))
                if announce is not None:
                    announce(CHANNEL, done.token)
            body_out: dict[str, Any] = {"token": done.token,
                                        "service_notice": service_notice(sla_rules, CHANNEL),
                                        "account_id": params.get("account_id") or None}
            return render(fmt, "service_requests", [body_out])
        return await answer(fmt, run)

    @router.get("/tokens/{token}.{fmt}", summary="The service request id of a POST's token")
    async def get_token(token: str, fmt: str, request: Request) -> Response:
        async def run() -> Response:
            juris = jurisdiction(dict(request.query_params))
            stored, ticket_id = lookup_token(hub.engine, juris, token)
            if not stored:
                raise Open311Error(404, f"token {token!r} not found")
            return render(fmt, "service_requests",
                          [{"service_request_id": str(ticket_id) if ticket_id else None,
                            "token": token}])
        return await answer(fmt, run)

    return router
