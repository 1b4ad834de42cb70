"""``POST /events/{channel}``: authenticated, durable before it answers, idempotent per event id.

The intake only stores; the channel's sync (scheduled, or triggered by the event the intake
announces) maps and pushes. A body it cannot use is answered 422 and kept in quarantine for
replay; a bad token is answered 401 and logged without the body.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hub.intake.store import quarantine_event, store_event
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


def create_app(hub: Hub, announce: Announce | None = None) -> FastAPI:
    app = FastAPI(title="lapor-hub intake", version="1",
                  description="Event intake for channels that push (e.g. the 112 call centre).")
    tokens = {name: t.get_secret_value() for name, t in hub.settings.intake.tokens.items()}

    @app.post("/events/{channel}", status_code=202, response_model=Accepted,
              responses={200: {"model": Accepted}, 401: {"model": Problem},
                         404: {"model": Problem}, 422: {"model": Problem}})
    async def receive(channel: str, request: Request,
                      authorization: Annotated[str | None, Header()] = None) -> Any:
        expected = tokens.get(channel)
        mapping = hub.mappings.get(channel)
        if expected is None or mapping is None:
            raise HTTPException(404, f"channel {channel!r} does not push events to this hub")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("intake.unauthorized", channel=channel)  # never the body
            raise HTTPException(401, "invalid token")
        body = await request.body()
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            quarantine_event(hub.engine, channel, "malformed_event", "body is not JSON",
                             body.decode("utf-8", errors="replace"))
            raise HTTPException(422, "body is not JSON; kept in quarantine for replay") from None
        event_id = mapping.source_id(payload)
        if event_id is None:
            field = mapping.record.id.path or "id"
            quarantine_event(hub.engine, channel, "malformed_event", f"no {field}", payload)
            raise HTTPException(422, f"event has no {field!r}; kept in quarantine for replay")
        outcome = store_event(hub.engine, channel, event_id, payload)
        if outcome == "duplicate":
            return JSONResponse({"status": "duplicate", "event_id": event_id}, status_code=200)
        log.info("intake.accepted", channel=channel, event_id=event_id)
        if announce is not None:
            announce(channel, event_id)
        return Accepted(status="accepted", event_id=event_id)

    if "open311" in hub.mappings:  # GeoReport v2 under /open311/v2 (hub/open311/)
        app.include_router(open311_router(hub, announce))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
