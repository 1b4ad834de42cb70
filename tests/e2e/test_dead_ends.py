"""A ticket LAPOR! keeps refusing with 5xx stops after bounded attempts with backoff, lands in
quarantine with its history, and never holds up the tickets behind it."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import httpx
import pytest
from sqlmodel import Session, col, select

from hub.ledger.db import make_engine
from hub.ledger.tables import AuditRow, SendState, TicketRow, as_utc
from hub.sync.pipeline import Hub, sync
from hub.sync.quarantine import list_entries, show_entry
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio

# Sikesal's first id_laporan, the first claimed: were it blocking, everything behind it would wait.
POISON = "1"


class RefusesOne(httpx.AsyncBaseTransport):
    """Real HTTP to LAPOR!, but a POST of the poisoned ticket always gets 503."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.poison_posts: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and json.loads(request.content).get("ref_eksternal") == POISON:
            self.poison_posts.append(time.monotonic())
            return httpx.Response(503, json={"detail": "internal error"})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_ticket_lapor_keeps_refusing_is_quarantined_after_bounded_backoff(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 30, 31)
    transport = RefusesOne()
    base, attempts = 0.1, 4
    settings = sandbox.settings(db_url, max_push_attempts=attempts, retry_base_s=base,
                                retry_max_s=10.0)
    hub = Hub.from_settings(settings, transports={"lapor": transport},
                            engine=make_engine(db_url))

    await sync(hub, ["sikesal"])
    sent = {str(r["ref_eksternal"]) for r in sandbox.lapor_reports()}
    assert len(sent) == 29 and POISON not in sent  # nothing waited behind it

    for _ in range(60):
        if list_entries(hub, "sikesal"):
            break
        await asyncio.sleep(0.05)
        await sync(hub, ["sikesal"])
    with Session(hub.engine) as session:
        row = session.exec(select(TicketRow).where(TicketRow.source_id == POISON)).one()
        retries = list(session.exec(select(AuditRow).where(
            AuditRow.source_id == POISON, AuditRow.event == "ticket.retry"
        ).order_by(col(AuditRow.id))))
    assert row.state == SendState.quarantined and row.attempts == attempts
    assert len(retries) == attempts - 1
    # Backoff: attempt k+1 comes at least half (jitter) of base * 2^(k-1) after retry k.
    for k, (earlier, later) in enumerate(itertools.pairwise(retries), start=1):
        gap = (as_utc(later.at) - as_utc(earlier.at)).total_seconds()
        assert gap >= 0.5 * base * 2 ** (k - 1) - 0.01, (k, gap)
    assert [json.loads(r.detail or "{}")["attempt"] for r in retries] == [1, 2, 3]
    assert all(json.loads(r.detail or "{}")["error"] for r in retries)

    (entry,) = list_entries(hub, "sikesal")
    assert (entry.stage, entry.reason) == ("push", "max_attempts")
    assert f"after {attempts} attempts" in entry.detail
    history = [h.event for h in show_entry(hub, entry.id).history]
    assert history.count("ticket.retry") == attempts - 1 and history[-1] == "ticket.quarantined"
    assert history[0] == "ticket.ingested"

    posts_before = len(transport.poison_posts)
    await sync(hub, ["sikesal"])  # a dead end stays a dead end: no more POSTs
    assert len(transport.poison_posts) == posts_before
    assert len(sandbox.lapor_reports()) == 29
