"""Delivery of recorded notifications to the units' receiver, and a Prefect event per ticket.

A notification is recorded before it is sent, so a failed POST is retried by the next round
(``attempts`` counts, ``max_attempts`` stops it) and never recorded twice. The receiver treats
``notification_id`` as an idempotency key, so a retry after a lost answer is harmless.
"""

from __future__ import annotations

import json
import os

import httpx
import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from hub.core.settings import NotifySystem
from hub.ledger.oversight_tables import NotificationRow
from hub.ledger.tables import as_utc, utcnow

log = structlog.get_logger(__name__)


def _body(row: NotificationRow, tracking_id: str | None) -> dict[str, object]:
    return {"notification_id": str(row.id), "recipient": row.recipient, "level": row.level,
            "ticket_id": row.ticket_id, "tracking_id": tracking_id, "channel": row.channel,
            "instansi": row.instansi, "stage": row.stage,
            "deadline": as_utc(row.deadline).isoformat(),
            "message": json.loads(row.detail)["message"]}


def deliver(engine: Engine, rows: list[NotificationRow], system: NotifySystem,
            tracking: dict[int, str | None], transport: httpx.BaseTransport | None = None,
            ) -> tuple[int, int]:
    """POST each row; returns (delivered, failed)."""
    delivered = failed = 0
    token = system.token.get_secret_value() if system.token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=system.base_url, timeout=system.timeout_s, headers=headers,
                      transport=transport) as client, \
            Session(engine, expire_on_commit=False) as session:
        for row in rows:
            error: str | None = None
            try:
                response = client.post("/notifications",
                                       json=_body(row, tracking.get(row.ticket_id)))
                if response.status_code >= 300:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__  # the class only: nothing of the body or URL
            row.attempts += 1
            row.last_error = error
            row.delivered_at = None if error else utcnow()
            session.add(row)
            delivered, failed = delivered + (error is None), failed + (error is not None)
            if error:
                log.warning("reminder.delivery_failed", notification=row.id, error=error)
        session.commit()
    return delivered, failed


def announce(rows: list[NotificationRow]) -> int:
    """A Prefect event per notification when a Prefect API is configured; best effort."""
    if not os.environ.get("PREFECT_API_URL"):
        from prefect.settings import PREFECT_API_URL  # set by a test harness or a profile

        if not PREFECT_API_URL.value():
            return 0
    from prefect.events import emit_event

    sent = 0
    for row in rows:
        try:
            event = emit_event(
                event=f"lapor-hub.sla.{row.level}",
                resource={"prefect.resource.id": f"lapor-hub.ticket.{row.ticket_id}",
                          "lapor-hub.channel": row.channel, "lapor-hub.instansi": row.instansi},
                payload={"stage": row.stage, "deadline": as_utc(row.deadline).isoformat(),
                         "recipient": row.recipient})
        except (OSError, RuntimeError, ValueError) as exc:  # events must never stop reminders
            log.warning("reminder.event_failed", error=type(exc).__name__)
            continue
        sent += event is not None
    return sent
