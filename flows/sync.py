"""Prefect flow: pull every channel concurrently, then push to SP4N-LAPOR! in claimed batches.

Thin on purpose: each task calls one plain function of ``hub.sync.pipeline``. A task handles a whole
channel or a whole batch (hundreds of tickets with bounded async concurrency inside), never one
ticket, because every task run costs milliseconds and a row in Prefect's database.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from prefect import Flow, flow, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run

from hub.ledger.holders import held_by_flow_runs, release_flow_run
from hub.service.artifacts import quarantine_markdown
from hub.service.runtime import current_hub
from hub.sync.limits import pull_slot
from hub.sync.pipeline import Hub, SyncSummary, pull, push_batch, push_while_pulling, summarize
from hub.sync.pull import PullResult
from hub.sync.push import PushCounts


@task(name="pull-channel", task_run_name="pull-{channel}", cache_policy=NO_CACHE)
async def pull_task(channel: str, run_id: str) -> PullResult:
    async with pull_slot(channel):  # never two pulls of one channel at once, across runs
        return await pull(current_hub(), channel, run_id)


@task(name="push-batch", cache_policy=NO_CACHE)
async def push_task(channels: list[str], run_id: str) -> dict[str, PushCounts]:
    flow_run_id = str(flow_run.get_id() or "") or None
    return await push_batch(current_hub(), channels, run_id, flow_run_id=flow_run_id)


def release_claims(flow: Flow[..., Any], flow_run: FlowRun, state: State[Any]) -> None:
    """A crashed or cancelled run gives its claims up now: the next run takes them over (with a
    lookup) at once instead of waiting out the lease. A SIGKILL runs no hook; a sibling on the same
    host then proves the process gone, elsewhere the lease runs out."""
    release_flow_run(current_hub().engine, str(flow_run.id), f"flow run {state.name}")


async def release_ended_runs(hub: Hub) -> None:
    """Holders serving a flow run Prefect knows crashed or was cancelled (a SIGKILL'd worker on
    another host, whose hooks never ran) are released, so this run takes their rows at once."""
    ids = held_by_flow_runs(hub.engine)
    if not ids:
        return
    async with get_client() as client:
        for run_id in ids:
            try:
                run = await client.read_flow_run(UUID(run_id))
            except (ObjectNotFound, ValueError):
                continue
            if run.state_type in (StateType.CRASHED, StateType.CANCELLED):
                release_flow_run(hub.engine, run_id, f"flow run {run.state_type.value.lower()}")


def _run_id() -> str:
    return str(flow_run.get_id() or "local")


@flow(name="lapor-hub-sync", log_prints=False, on_crashed=[release_claims],
      on_cancellation=[release_claims])
async def sync_flow(channels: list[str] | None = None) -> SyncSummary:
    hub: Hub = current_hub()
    names = hub.check_channels(channels)
    run_id = _run_id()
    await release_ended_runs(hub)
    pulls_done = asyncio.Event()

    async def pull_all() -> list[PullResult | BaseException]:
        try:
            return await asyncio.gather(*(pull_task(n, run_id) for n in names),
                                        return_exceptions=True)
        finally:
            pulls_done.set()

    # Push tasks start as soon as pages are stored; each is one claimed batch, never a ticket.
    results, (totals, push_error) = await asyncio.gather(
        pull_all(), push_while_pulling(hub, names, pulls_done, lambda: push_task(names, run_id)))
    pulls: dict[str, PullResult | BaseException] = dict(zip(names, results, strict=True))
    summary = summarize(run_id, names, pulls, totals, push_error)
    await acreate_table_artifact(
        key="sync-summary",
        table=[c.model_dump() for c in summary.channels.values()],
        description="Per channel: records pulled, stored, quarantined, sent to SP4N-LAPOR!. "
        "Quarantined records: `lapor-hub quarantine list`.",
    )
    await acreate_markdown_artifact(
        key="sync-quarantine", markdown=quarantine_markdown(hub.engine, run_id, names),
        description="What this run quarantined, by channel and reason, and how to replay it.")
    return summary
