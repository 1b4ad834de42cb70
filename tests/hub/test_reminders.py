"""Reminders over real HTTP to the notify simulator: once per ticket, stage and level."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.core.settings import NotifySystem, Settings
from hub.ledger.oversight_tables import NotificationRow
from hub.reminders.run import remind_round
from hub.sync.pipeline import Hub
from simulators import notify
from simulators.runner import running
from tests.hub.viewdata import NOW, PII, Seeded, seed


@pytest.fixture
def world(engine: Engine, db_url: str) -> Iterator[tuple[Hub, Seeded, str]]:
    with running({"notify": notify.create_app()}) as endpoints:
        root = endpoints["notify"].base_url
        settings = Settings(database_url=db_url, notify=NotifySystem(base_url=root))
        hub = Hub.from_settings(settings, engine=engine)
        yield hub, seed(engine), root


def received(root: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{root}/_sim/state").json()
    return list(state["notifications"])


def test_reminders_fire_once_per_stage_and_escalate_once(world: Any) -> None:
    hub, d, root = world
    first = remind_round(hub, now=NOW)
    # darurat (24 h) and biasa (72 h) Sikesal reports are late and escalated at the deadline;
    # the Sambat report is late (day 9 of 7) but escalates only at day 10.
    assert first.recorded == {"late": 3, "escalated": 2} and first.delivered == 5
    again = remind_round(hub, now=NOW + timedelta(hours=1))
    assert again.recorded == {} and again.delivered == 0
    later = remind_round(hub, now=NOW + timedelta(days=2))  # Thu 22 Oct: Sambat day 11
    assert later.recorded == {"escalated": 1}
    got = received(root)
    assert len(got) == 6
    heads = sorted(n["recipient"] for n in got if n["level"] == "escalated")
    assert heads == ["head:DLH-KOTA-JAMBI", "head:DLH-KOTA-MALANG", "head:DPUPR-KOTA-JAMBI"]
    assert {n["ticket_id"] for n in got} == {d.ids["plain"], d.ids["rahasia"], d.ids["anonim"]}
    assert not any(p in str(got) for p in PII)
    assert all("Aduan" not in n["message"] for n in got)  # no complaint text either


def test_failed_delivery_is_retried_not_recorded_again(world: Any) -> None:
    hub, _, root = world
    faults = {"error_rate": 1.0, "error_status": 503}
    httpx.post(f"{root}/_sim/faults", json=faults).raise_for_status()
    failed = remind_round(hub, now=NOW)
    assert failed.delivered == 0 and failed.failed == 5 and received(root) == []
    httpx.post(f"{root}/_sim/reset")
    retried = remind_round(hub, now=NOW)
    assert retried.recorded == {} and retried.delivered == 5
    with Session(hub.engine) as session:
        rows = list(session.exec(select(NotificationRow)))
    assert len(rows) == 5 and all(r.attempts == 2 and r.delivered_at for r in rows)


def test_at_risk_reminder_before_the_deadline(world: Any) -> None:
    hub, d, root = world
    # Sambat report of Wed 7 Oct: at risk from the 3rd working day (end of Mon 12 Oct).
    outcome = remind_round(hub, now=NOW - timedelta(days=7))  # Tue 13 Oct
    assert outcome.recorded.get("at_risk") == 1
    [risk] = [n for n in received(root) if n["level"] == "at_risk"]
    assert risk["ticket_id"] == d.ids["anonim"] and risk["recipient"] == "unit:DLH-KOTA-MALANG"
