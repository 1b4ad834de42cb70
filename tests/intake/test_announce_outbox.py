"""The intake keeps accepting while Prefect is down; what it stored is announced once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import SecretStr

from hub.core.settings import IntakeSettings, Settings
from hub.intake.announce import Announcement, Announcer, PrefectEmitter, pending
from hub.intake.app import create_app
from hub.sync.pipeline import Hub
from simulators.runner import Endpoint, running

pytestmark = pytest.mark.anyio
TOKEN = "outbox-test-token"


class FlakyPrefect:
    """Stands in for the Prefect API: refuses while ``down``, records what it accepted."""

    def __init__(self) -> None:
        self.down = True
        self.accepted: list[Announcement] = []

    async def __call__(self, item: Announcement) -> None:
        if self.down:
            raise httpx.ConnectError("Prefect server is down")
        self.accepted.append(item)


@pytest.fixture
def hub(sqlite_url: str) -> Hub:
    settings = Settings(database_url=sqlite_url,
                        intake=IntakeSettings(tokens={"call112": SecretStr(TOKEN)}))
    return Hub.from_settings(settings)


@pytest.fixture
def prefect() -> FlakyPrefect:
    return FlakyPrefect()


@pytest.fixture
def announcer(hub: Hub, prefect: FlakyPrefect) -> Announcer:
    return Announcer(hub.engine, prefect, window_s=0.01, retry_s=0.05)


@pytest.fixture
def intake(hub: Hub, announcer: Announcer) -> Iterator[Endpoint]:
    with running({"intake": create_app(hub, announcer.wake)}) as served:
        yield served["intake"]


def _post(intake: Endpoint, n: int) -> int:
    call = {"id_panggilan": f"112-OB-{n:04d}", "versi": 1, "kelas": "pengaduan",
            "kategori": "jalan_rusak", "judul": "Jalan rusak", "uraian": "Lubang",
            "lokasi": "Jl. Juanda", "waktu": "2026-11-20T08:00:00+08:00",
            "penelepon": {"telepon": "081234567890"}}
    response = httpx.post(f"{intake.root}/events/call112", json=call, timeout=10,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    return response.status_code


async def test_events_are_accepted_while_prefect_is_down_and_announced_when_it_returns(
        hub: Hub, intake: Endpoint, announcer: Announcer, prefect: FlakyPrefect) -> None:
    assert [_post(intake, n) for n in range(5)] == [202] * 5
    assert await announcer.drain() == 0  # refused: nothing is lost, the outbox keeps it
    assert [(p.channel, p.count) for p in pending(hub.engine)] == [("call112", 5)]
    prefect.down = False
    assert await announcer.drain() == 1
    assert [(a.channel, a.count) for a in prefect.accepted] == [("call112", 5)]
    assert pending(hub.engine) == []
    assert _post(intake, 5) == 202
    await announcer.drain()
    assert [a.count for a in prefect.accepted] == [5, 1]  # only what is new since the mark


async def test_the_running_announcer_retries_on_its_own(
        hub: Hub, intake: Endpoint, announcer: Announcer, prefect: FlakyPrefect) -> None:
    loop = asyncio.create_task(announcer.run())
    try:
        assert [_post(intake, n) for n in range(3)] == [202] * 3
        await asyncio.sleep(0.3)
        assert prefect.accepted == []
        prefect.down = False  # the server comes back; no new event arrives to wake anyone
        for _ in range(100):
            if prefect.accepted:
                break
            await asyncio.sleep(0.05)
        assert sum(a.count for a in prefect.accepted) == 3
    finally:
        loop.cancel()


def _fake_prefect_api(received: list[Any]) -> FastAPI:
    app = FastAPI()

    @app.post("/api/events", status_code=204)
    async def events(request: Request) -> None:
        received.extend(await request.json())

    return app


async def test_prefect_emitter_posts_an_event_the_deployment_trigger_matches(hub: Hub) -> None:
    received: list[Any] = []
    with running({"prefect": _fake_prefect_api(received)}) as served:
        emitter = PrefectEmitter(f"{served['prefect'].root}/api")
        await emitter(Announcement("call112", 3, 9, 7))
        await emitter.aclose()
    [event] = received
    assert event["event"] == "lapor-hub.event.received"
    assert event["resource"]["prefect.resource.id"] == "lapor-hub.channel.call112"
    assert event["payload"] == {"count": 7, "first_inbound_id": 3, "last_inbound_id": 9}


async def test_prefect_emitter_raises_when_the_server_is_unreachable() -> None:
    emitter = PrefectEmitter("http://127.0.0.1:9/api", timeout_s=1)
    with pytest.raises(httpx.HTTPError):
        await emitter(Announcement("call112", 1, 1, 1))
    await emitter.aclose()
