"""One sync run sending from more than one process.

A sync is CPU-bound in the hub (encoding, HTTP client, ledger): one Python process sends at
most what one core allows. Here this process pulls and pushes as usual while ``processes - 1``
helper processes only push. They need no coordination beyond the ledger: each claims its own
groups (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one writer at a time on SQLite), so a ticket
is still sent once, and a helper that dies leaves its group to the usual takeover.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from multiprocessing.synchronize import Event as ProcessEvent

import structlog

from hub.core.settings import Settings
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub, push_batch, push_while_pulling, sync
from hub.sync.push import PushCounts
from hub.sync.summary import SyncSummary

log = structlog.get_logger(__name__)
_pulls_done: ProcessEvent | None = None


def _start_helper(done: ProcessEvent, json_logs: bool | None, level: str) -> None:
    global _pulls_done
    _pulls_done = done
    configure_logging(json=json_logs, level=level)  # masking holds in every process


def _push_helper(settings: Settings, names: list[str],
                 run_id: str) -> tuple[dict[str, dict[str, int]], str | None]:
    if _pulls_done is None:
        raise RuntimeError("a push helper runs only inside sync_in_processes' pool")
    hub = Hub.from_settings(settings)
    try:
        totals, error = asyncio.run(push_while_pulling(
            hub, names, _pulls_done, lambda: push_batch(hub, names, run_id)))
    finally:
        hub.engine.dispose()
    return {channel: asdict(counts) for channel, counts in totals.items()}, error


async def sync_in_processes(hub: Hub, names: list[str], processes: int, run_id: str,
                            *, json_logs: bool | None = True,
                            level: str = "INFO") -> SyncSummary:
    """:func:`~hub.sync.pipeline.sync`, with ``processes - 1`` more processes pushing."""
    if processes < 2:
        return await sync(hub, names, run_id)
    if hub.transports is not None:
        raise ValueError("more than one process needs real HTTP endpoints, not in-process "
                         "transports")
    context = multiprocessing.get_context("spawn")  # no fork of a running event loop
    done = context.Event()
    # Secrets are already resolved here: the helpers must not fetch Prefect blocks again.
    settings = hub.settings.model_copy(update={"secret_blocks": {}})
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(processes - 1, mp_context=context, initializer=_start_helper,
                             initargs=(done, json_logs, level)) as pool:
        helpers = [loop.run_in_executor(pool, _push_helper, settings, names, run_id)
                   for _ in range(processes - 1)]
        try:
            summary = await sync(hub, names, run_id, on_pulls_done=done.set)
        finally:
            done.set()  # helpers finish what is due and stop, whatever happened here
        results = await asyncio.gather(*helpers, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.error("sync.helper_failed", error=f"{type(result).__name__}: {result}")
            summary.push_error = summary.push_error or f"a push helper failed: {result}"
            continue
        counts, error = result
        summary.helpers_sent.append(sum(fields["sent"] + fields["recovered"]
                                        for fields in counts.values()))
        for channel, fields in counts.items():
            pushed = PushCounts(**fields)
            if channel in summary.channels:
                c = summary.channels[channel]
                c.sent += pushed.sent
                c.recovered += pushed.recovered
                c.retried += pushed.retried
                c.push_quarantined += pushed.quarantined
                c.unrouted += pushed.unrouted
        summary.push_error = summary.push_error or error
    return summary
