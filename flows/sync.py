"""Prefect flow: pull every channel concurrently, then push to SP4N-LAPOR! in claimed batches.

Thin on purpose: each task calls one plain function of ``hub.sync.pipeline``. A task handles a whole
channel or a whole batch (hundreds of tickets with bounded async concurrency inside), never one
ticket, because every task run costs milliseconds and a row in Prefect's database.

The run ends ``Failed`` when any channel could not be pulled or LAPOR! refused the hub, after the
other channels were synced and every channel's artifact (key ``sync-<channel>``) was published.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from prefect import Flow, flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run

from connectors.errors import RetriableError
from hub.ledger.holders import held_by_flow_runs, release_flow_run
from hub.service.artifacts import channel_markdown
from hub.service.flow_runs import final_state, run_id, sync_run_name
from hub.service.hints import with_hint
from hub.service.run_logging import configure_run_logging
from hub.service.runtime import current_hub
from hub.sync.limits import pull_slot
from hub.sync.pipeline import Hub, adopt_all, pull, push_batch, push_while_pulling
from hub.sync.pull import PullResult
from hub.sync.push import PushCounts
from hub.sync.summary import SyncSummary, summarize


def _transient(_task: Any, _run: Any, state: State[Any]) -> bool:
    """Retry a pull the connector already gave up on only when another try can help: a
    channel that refuses the hub's token will refuse it again in ten seconds."""
    # The engine hands the exception itself as the state's data; a refused token, a bad
    # mapping or a bug are not retried.
    return isinstance(state.data, RetriableError | OSError)


@task(name="pull-channel", task_run_name="pull-{channel}", cache_policy=NO_CACHE,
      retries=1, retry_delay_seconds=10, retry_condition_fn=_transient,
      description="Read the channel's new and changed records into the ledger, page by page.")
async def pull_task(channel: str, run_id: str) -> PullResult:
    async with pull_slot(channel):  # never two pulls of one channel at once, across runs
        return await pull(current_hub(), channel, run_id)


@task(name="push-batch", cache_policy=NO_CACHE,
      description="Claim one batch of due tickets and send it to SP4N-LAPOR!.")
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


async def publish(hub: Hub, summary: SyncSummary) -> None:
    for name, channel in summary.channels.items():
        await acreate_markdown_artifact(
            key=f"sync-{name}", markdown=channel_markdown(hub.engine, summary.run_id, channel),
            description=f"{name}: pulled, stored, quarantined, sent to SP4N-LAPOR! by this run.")


@flow(name="lapor-hub-sync", flow_run_name=sync_run_name, log_prints=False,
      on_crashed=[release_claims], on_cancellation=[release_claims],
      description="Pull the channels' new and changed complaints and send each to SP4N-LAPOR! "
      "exactly once. Fails when any channel could not be synced (the others still are).")
async def sync_flow(channels: list[str] | None = None) -> Any:
    """Sync channels into SP4N-LAPOR!.

    Args:
        channels: Channel names as in mappings/ (e.g. ["sikesal"]); empty for every channel.
    """
    configure_run_logging()
    hub: Hub = current_hub()
    names = hub.check_channels(channels)
    rid = run_id()
    await release_ended_runs(hub)
    pulls_done = asyncio.Event()

    async def pull_all() -> list[PullResult | BaseException]:
        try:
            return await asyncio.gather(*(pull_task(n, rid) for n in names),
                                        return_exceptions=True)
        finally:
            pulls_done.set()

    # Push tasks start as soon as pages are stored; each is one claimed batch, never a ticket.
    results, (totals, push_error) = await asyncio.gather(
        pull_all(), push_while_pulling(hub, names, pulls_done, lambda: push_task(names, rid)))
    pulls: dict[str, PullResult | BaseException] = dict(zip(names, results, strict=True))
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # cancellation, interrupt: not a channel's failure
    # Channels the city files in LAPOR! itself: find and adopt its reports (never a POST).
    adopted = await adopt_all(hub, names, rid)
    summary = summarize(rid, names, pulls, totals, push_error, adopted)
    await publish(hub, summary)
    sent = sum(c.sent for c in summary.channels.values())
    ok = len(names) - len([c for c in summary.channels.values() if c.error])
    errors = {n: with_hint(n, e, hub.settings) for n, e in summary.errors.items()}
    return final_state("sync", summary, errors,
                       f"{ok} of {len(names)} channel(s) pulled, {sent} ticket(s) sent.")
