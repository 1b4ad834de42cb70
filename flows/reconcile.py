"""Prefect flow: one reconcile round (LAPOR! ⇄ channels), thin over ``hub.reconcile.round``.

Channel pulls run as one task each (concurrently); the round itself is one task that works in
batches of hundreds of tickets with bounded concurrency inside, never a task per ticket. A channel
that cannot be read does not stop the others nor LAPOR!'s side, but the run then ends ``Failed``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.reminders import figures_task
from flows.sync import pull_task
from hub.reconcile.round import reconcile
from hub.reconcile.summary import ReconcileSummary
from hub.service.flow_runs import final_state, reconcile_run_name, run_id
from hub.service.run_logging import configure_run_logging
from hub.service.runtime import current_hub
from hub.sync.summary import describe


@task(name="reconcile-round", cache_policy=NO_CACHE,
      description="Read LAPOR!'s changes, write each side's news to the other, by policy.")
async def reconcile_task(channels: list[str], run_id: str) -> ReconcileSummary:
    return await reconcile(current_hub(), channels, run_id, pull_channels=False)


@flow(name="lapor-hub-reconcile", flow_run_name=reconcile_run_name, log_prints=False,
      description="Two-way status sync: SP4N-LAPOR! follow-ups to the channels, the channels' "
      "status changes to LAPOR!. Fails when a channel or a write failed.")
async def reconcile_flow(channels: list[str] | None = None) -> Any:
    """One reconcile round.

    Args:
        channels: Channels to pull before the round (names as in mappings/); empty for all.
    """
    configure_run_logging()
    hub = current_hub()
    names = hub.check_channels(channels)
    rid = run_id()
    pulled = await asyncio.gather(*(pull_task(n, rid) for n in names), return_exceptions=True)
    summary = await reconcile_task(names, rid)
    for name, result in zip(names, pulled, strict=True):
        if isinstance(result, BaseException):
            summary.errors.setdefault(name, f"could not pull: {describe(result)}")
    await acreate_table_artifact(
        key="reconcile-summary", table=[summary.model_dump(exclude={"errors", "unavailable"})],
        description="One reconcile round: LAPOR! changes read, writes each way, echoes "
        "ignored, conflicts decided by policy, refused input (`lapor-hub status`).")
    figures_task(datetime.now(UTC).strftime("%Y-%m"))  # the month's SLA figures, as markdown
    return final_state("reconcile", summary, summary.errors,
                       f"{summary.to_lapor} write(s) to LAPOR!, {summary.to_channel} to channels.")
