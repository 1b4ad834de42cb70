"""Notification sandbox: the units and OPD heads that receive SLA reminders and escalations.

Stands in for whatever reaches a unit in production (the e-gov portal's inbox, e-mail, WhatsApp
gateway). ``POST /notifications`` accepts one notification and answers with its receipt id; a
repeated ``notification_id`` is acknowledged again, not stored twice. ``GET /_sim/state`` lists
what arrived, per recipient. Faults (``error_rate``, ``latency_ms``, …) apply as elsewhere.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from simulators.admin import SeedRequest, admin_router
from simulators.faults import FaultInjector


class Notification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notification_id: str
    recipient: str  # unit:<unor or instansi> | head:<instansi>
    level: str  # at_risk | late | escalated
    ticket_id: int
    tracking_id: str | None = None
    channel: str
    instansi: str
    stage: str
    deadline: str
    message: str


class Receipt(BaseModel):
    receipt: str
    duplicate: bool


class NotifyStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: dict[str, Notification] = {}

    def seed(self, request: SeedRequest) -> int:
        return 0  # nothing to seed: notifications only arrive

    def state(self) -> dict[str, Any]:
        with self._lock:
            items = [n.model_dump() for n in self.received.values()]
        by_recipient: dict[str, int] = {}
        for item in items:
            by_recipient[item["recipient"]] = by_recipient.get(item["recipient"], 0) + 1
        return {"notifications": items, "by_recipient": by_recipient}

    def reset(self) -> None:
        with self._lock:
            self.received.clear()


def create_app() -> FastAPI:
    store, faults = NotifyStore(), FaultInjector()
    app = FastAPI(title="Notification sandbox (SLA reminders)")
    app.state.backend = store
    app.include_router(admin_router(store, faults))

    @app.post("/notifications", status_code=201)
    async def receive(notification: Notification) -> Receipt:
        await faults.request_faults()
        with store._lock:
            duplicate = notification.notification_id in store.received
            store.received.setdefault(notification.notification_id, notification)
        return Receipt(receipt=f"rcpt-{notification.notification_id}", duplicate=duplicate)

    return app
