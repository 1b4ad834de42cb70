"""Prefect flow: one reconcile round (LAPOR! ⇄ channels), thin over ``hub.reconcile.round``.

Channel pulls run as one task each (concurrently); the round itself is one task that works in
batches of hundreds of tickets with bounded concurrency inside, never a task per ticket.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prefect import flow, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.reminders import figures_task
from flows.sync import pull_task
from hub.reconcile.round import reconcile
from hub.reconcile.summary import ReconcileSummary
from hub.service.runtime import current_hub


@task(name="reconcile-round", cache_policy=NO_CACHE)
async def reconcile_task(channels: list[str], run_id: str) -> ReconcileSummary:
    return await reconcile(current_hub(), channels, run_id, pull_channels=False)


@flow(name="lapor-hub-reconcile", log_prints=False)
async def reconcile_flow(channels: list[str] | None = None) -> ReconcileSummary:
    hub = current_hub()
    names = hub.check_channels(channels)
    run_id = str(flow_run.get_id() or "local")
    # A channel that cannot be read this time must not stop the others, nor LAPOR!'s side.
    await asyncio.gather(*(pull_task(n, run_id) for n in names), return_exceptions=True)
    summary = await reconcile_task(names, run_id)
    await acreate_table_artifact(
        key="reconcile-summary", table=[summary.model_dump(exclude={"errors"})],
        description="One reconcile round: LAPOR! changes read, writes each way, echoes "
        "ignored, conflicts decided by policy, refused input (`lapor-hub status`).")
    figures_task(datetime.now(UTC).strftime("%Y-%m"))  # the month's SLA figures, as markdown
    return summary
