"""Hold a claim token while pushing: register the holder, renew its lease, let go at the end.

The heartbeat runs beside the push in the same event loop (its database write in a thread), every
third of the lease, so a live but slow holder keeps its rows however long LAPOR! takes. When a
renewal fails (the lease lapsed, or a crash/cancel hook released the holder) the push is told to
start no new POST: another run may be taking the rows over. A lease of 0 means no protection at
all (tests and single-run tools): every ``sending`` row is claimable, and nothing is renewed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.ledger import holders

log = structlog.get_logger(__name__)


@asynccontextmanager
async def holding(engine: Engine, token: str, *, lease_s: float, run_id: str | None,
                  flow_run_id: str | None, on_lost: Callable[[str], None]) -> AsyncIterator[None]:
    holders.register(engine, token, holders.this_process(flow_run_id), run_id)
    stop = asyncio.Event()

    async def beat() -> None:
        while lease_s > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), lease_s / 3)
            if stop.is_set():
                return
            try:
                renewed = await asyncio.to_thread(holders.renew, engine, token, lease_s)
            except SQLAlchemyError as exc:  # a busy database: the next beat tries again
                log.warning("claims.renew_failed", token=token, error=type(exc).__name__)
                continue
            if not renewed:
                log.error("claims.lease_lost", token=token, lease_s=lease_s)
                on_lost("lease lost: another run may take these tickets over")
                return

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        stop.set()
        await task
        holders.end(engine, token)
