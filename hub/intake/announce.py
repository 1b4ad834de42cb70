"""Announcing stored intake events to Prefect, with an outbox so an outage loses nothing.

The intake stores an event before it answers; announcing it (the Prefect event that triggers the
channel's sync deployment) happens afterwards and may fail while Prefect's server is down. The
outbox is "inbound rows past the channel's announce mark": the announcer emits one Prefect event
per channel for everything stored since the mark and moves the mark only once the Prefect API
has accepted the event. A failed emission is retried on the next tick, so events accepted during
an outage are announced once the server is back.

Coalescing a burst into one Prefect event per channel per tick (``window_s``) keeps a burst of
1,000 calls from becoming 1,000 queued flow runs: each run syncs everything stored before it
starts, so one run per tick is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hub.ledger.db import init_db
from hub.ledger.tables import AnnounceMarkRow, InboundEventRow, utcnow

log = structlog.get_logger(__name__)

EVENT_RECEIVED = "lapor-hub.event.received"  # the deployments' triggers expect this name


@dataclass(frozen=True)
class Announcement:
    channel: str
    first_id: int  # inbound row ids: positions in the outbox, no personal data
    last_id: int
    count: int


Emit = Callable[[Announcement], Awaitable[None]]


def init_outbox(engine: Engine) -> None:
    """The outbox's table is part of the ledger's schema (``init_db`` migrates it)."""
    init_db(engine)


def pending(engine: Engine) -> list[Announcement]:
    """What the outbox holds: per channel, the stored events not announced yet."""
    with Session(engine) as session:
        marks = {m.channel: m.last_id for m in session.exec(select(AnnounceMarkRow))}
        heads = session.exec(
            select(InboundEventRow.channel, func.max(InboundEventRow.id)).group_by(
                col(InboundEventRow.channel)
            )
        ).all()
        out = []
        for channel, head in heads:
            mark = marks.get(channel, 0)
            if head is None or head <= mark:
                continue
            first, count = session.exec(
                select(func.min(InboundEventRow.id), func.count(col(InboundEventRow.id))).where(
                    InboundEventRow.channel == channel,
                    col(InboundEventRow.id) > mark,
                    col(InboundEventRow.id) <= head,
                )
            ).one()
            out.append(Announcement(channel, int(first or head), int(head), int(count)))
    return out


def mark_announced(engine: Engine, done: Announcement) -> None:
    with Session(engine) as session:
        row = session.get(AnnounceMarkRow, done.channel) or AnnounceMarkRow(channel=done.channel)
        # Only forward: a slower concurrent drain must not move the mark back.
        row.last_id, row.announced_at = max(row.last_id, done.last_id), utcnow()
        session.add(row)
        session.commit()


class Announcer:
    def __init__(
        self, engine: Engine, emit: Emit, window_s: float = 1.0, retry_s: float = 2.0
    ) -> None:
        self._engine, self._emit = engine, emit
        self._window_s, self._retry_s = window_s, retry_s
        self._wake = asyncio.Event()
        init_outbox(engine)

    def wake(self, channel: str, event_id: str) -> None:
        """The intake's ``announce`` callback: never fails, never waits for Prefect."""
        self._wake.set()

    async def drain(self) -> int:
        """Emit what the outbox holds; returns how many announcements Prefect accepted."""
        done = 0
        for item in await asyncio.to_thread(pending, self._engine):
            try:
                await self._emit(item)
            except (httpx.HTTPError, OSError) as exc:
                log.warning(
                    "intake.announce_deferred",
                    channel=item.channel,
                    count=item.count,
                    error=type(exc).__name__,
                )
                continue
            await asyncio.to_thread(mark_announced, self._engine, item)
            log.info("intake.announced", channel=item.channel, count=item.count)
            done += 1
        return done

    async def run(self) -> None:
        """Drain at start (events stored while no intake or no Prefect ran), then on each wake;
        while something is left undelivered, try again every ``retry_s``."""
        while True:
            await self.drain()
            left = await asyncio.to_thread(pending, self._engine)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._retry_s if left else None)
            self._wake.clear()
            await asyncio.sleep(self._window_s)  # gather the rest of a burst into one event


class PrefectEmitter:
    """Posts an event to the Prefect API (``POST /events``) and raises unless it was accepted.

    Not ``prefect.events.emit_event``: that one buffers and sends in the background, so the
    outbox could not know whether Prefect has the event before it moves the mark.
    """

    def __init__(self, api_url: str, timeout_s: float = 5.0) -> None:
        self._client = httpx.AsyncClient(base_url=api_url.rstrip("/"), timeout=timeout_s)

    async def __call__(self, item: Announcement) -> None:
        if await self.run_waiting(item.channel):
            # That run has not started, so its pull will read these events too. Another event
            # would only queue one more run behind it (concurrency 1, ENQUEUE): at 50 calls a
            # second, one run queued per tick grew the queue faster than runs drained it.
            log.info("intake.covered_by_waiting_run", channel=item.channel, count=item.count)
            return
        response = await self._client.post("/events", json=[event_body(item)])
        response.raise_for_status()

    async def run_waiting(self, channel: str) -> bool:
        """Whether a run of the channel's sync deployment is due but not started yet (queued
        behind the running one, or about to start). Unsure (an error) counts as no."""
        now = datetime.now(UTC).isoformat()
        body = {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED", "PENDING"]}},
                              "expected_start_time": {"before_": now}},
                "deployments": {"name": {"any_": [f"sync-{channel}"]}}, "limit": 1}
        try:
            response = await self._client.post("/flow_runs/filter", json=body)
            response.raise_for_status()
            return bool(response.json())
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._client.aclose()


def event_body(item: Announcement) -> dict[str, Any]:
    from prefect.events import Event  # heavy import, only where Prefect is actually used

    event = Event(
        event=EVENT_RECEIVED,
        resource={
            "prefect.resource.id": f"lapor-hub.channel.{item.channel}",
            "prefect.resource.name": item.channel,
        },
        payload={
            "count": item.count,
            "first_inbound_id": item.first_id,
            "last_inbound_id": item.last_id,
        },
    )
    return event.model_dump(mode="json")
