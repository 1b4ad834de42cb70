"""``POST /events/{channel}``: authenticated, bounded, validated, durable before it answers.

Order matters: the token first (an unauthenticated caller learns nothing, not even which channels
exist), then the body's type and size, then JSON, Unicode and depth, then the channel's raw schema,
and only then the idempotency key — the validated id and version — so a malformed body can never
take the key of the real event, and an update (a higher ``versi``) is a new event. The intake
only stores; the channel's sync maps and pushes. A body it cannot use is answered 4xx and, when it
is small enough to keep, held in quarantine for replay; a bad token is logged without the body.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hub.intake.body import BodyRejected, check_content_type, parse_body, read_bounded
from hub.ledger.inbound import quarantine_event, store_event
from hub.open311.routes import create_router as open311_router
from hub.sync.pipeline import Hub

log = structlog.get_logger(__name__)

# Called after an event is stored (e.g. to emit a Prefect event that triggers the channel's sync).
Announce = Callable[[str, str], None]


class Accepted(BaseModel):
    status: str
    event_id: str


class Problem(BaseModel):
    detail: str


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; the scheme is case-insensitive."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def create_app(hub: Hub, announce: Announce | None = None) -> FastAPI:
    app = FastAPI(title="lapor-hub intake", version="1",
                  description="Event intake for channels that push (e.g. the 112 call centre).")
    settings = hub.settings.intake
    tokens = {name: t.get_secret_value() for name, t in settings.tokens.items()}

    @app.post("/events/{channel}", status_code=202, response_model=Accepted,
              responses={200: {"model": Accepted}, 400: {"model": Problem},
                         401: {"model": Problem}, 404: {"model": Problem},
                         413: {"model": Problem}, 415: {"model": Problem},
                         422: {"model": Problem}})
    async def receive(channel: str, request: Request,
                      authorization: Annotated[str | None, Header()] = None) -> Any:
        given = bearer_token(authorization)
        expected = tokens.get(channel)
        mapping = hub.mappings.get(channel)
        if expected is None or mapping is None:
            # Only a caller holding some channel's token may learn that this one does not push.
            if given and any(_matches(given, t) for t in tokens.values()):
                raise HTTPException(404, "this channel does not push events to this hub")
            log.warning("intake.unauthorized", channel_known=False)
            raise HTTPException(401, "invalid token")
        if not _matches(given, expected):
            log.warning("intake.unauthorized", channel=channel)  # never the body
            raise HTTPException(401, "invalid token")
        body = b""
        try:
            check_content_type(request.headers.get("content-type"))
            body = await read_bounded(request, settings.body_limit(channel))
            payload = parse_body(body, settings.max_json_depth)
        except BodyRejected as exc:
            if exc.keep:  # small enough to hold for replay; an oversized body is not kept
                quarantine_event(hub.engine, channel, "malformed_event", exc.detail,
                                 body.decode("utf-8", errors="replace"))
            log.warning("intake.rejected", channel=channel, status=exc.status, reason=exc.detail)
            raise HTTPException(exc.status, exc.answer) from None
        violations = hub.validators[channel].violations(payload)
        if violations:
            detail = "; ".join(str(v) for v in violations[:5])
            quarantine_event(hub.engine, channel, "schema_violation",
                             f"does not match {mapping.raw_schema}: {detail}", payload,
                             schema_path=violations[0].schema_path)
            raise HTTPException(422, f"event does not match the {channel} schema: {detail}; "
                                     "kept in quarantine, a corrected resend is accepted")
        event_id = mapping.source_id(payload) or ""
        version = mapping.version_key(payload)
        outcome = store_event(hub.engine, channel, f"{event_id}@{version}", payload)
        if outcome == "duplicate":
            return JSONResponse({"status": "duplicate", "event_id": event_id}, status_code=200)
        log.info("intake.accepted", channel=channel, event_id=event_id, version=version)
        if announce is not None:
            announce(channel, event_id)
        return Accepted(status="accepted", event_id=event_id)

    if "open311" in hub.mappings:  # GeoReport v2 under /open311/v2 (hub/open311/)
        app.include_router(open311_router(hub, announce))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
