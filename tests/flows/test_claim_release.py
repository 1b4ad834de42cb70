"""A sync flow run that crashes or that Prefect reports crashed gives its claims up at once."""

from __future__ import annotations

import asyncio

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.states import Crashed, Running

from flows.sync import release_claims, release_ended_runs, sync_flow
from hub.ledger import holders
from hub.ledger.claims import claim_batch
from hub.service.runtime import use_hub
from hub.sync.pipeline import Hub, pull
from tests.sandbox import Sandbox


def _held(hub: Hub, token: str, flow_run_id: str, host: str | None = None) -> None:
    here = holders.this_process(flow_run_id)
    holder = holders.Holder(host or here.host, here.pid, here.started, flow_run_id)
    holders.register(hub.engine, token, holder, flow_run_id)
    assert claim_batch(hub.engine, token=token, limit=3, lease_s=300)


@pytest.mark.usefixtures("prefect_api")
def test_the_crash_hook_releases_the_runs_claims_for_an_immediate_takeover(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 3, 43)
    hub = sandbox.hub(sqlite_url)
    asyncio.run(pull(hub, "sikesal"))

    @flow(on_crashed=[release_claims])
    def doomed() -> None:
        _held(hub, "doomed", str(flow_run.get_id()))  # alive, on this host: only the hook frees
        raise KeyboardInterrupt  # Prefect: Crashed

    use_hub(hub)
    try:
        with pytest.raises(KeyboardInterrupt):
            doomed()
    finally:
        use_hub(None)
    taken = claim_batch(hub.engine, token="next", limit=10, lease_s=300)
    assert len(taken) == 3 and all(c.needs_lookup for c in taken)
    # The sync flow itself carries the hook, for a crash and for a cancellation alike.
    assert release_claims in sync_flow.on_crashed_hooks
    assert release_claims in sync_flow.on_cancellation_hooks


@pytest.mark.usefixtures("prefect_api")
def test_a_flow_run_prefect_reports_crashed_elsewhere_is_released_a_running_one_is_not(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 6, 44)
    hub = sandbox.hub(sqlite_url)
    asyncio.run(pull(hub, "sikesal"))

    @flow
    def elsewhere() -> None:
        pass

    async def runs() -> tuple[str, str]:
        async with get_client() as client:
            crashed = await client.create_flow_run(elsewhere, state=Crashed())
            running = await client.create_flow_run(elsewhere, state=Running())
            return str(crashed.id), str(running.id)

    crashed, running = asyncio.run(runs())
    _held(hub, "on-a-dead-worker", crashed, host="worker-2/pid:[1]")
    _held(hub, "on-a-live-worker", running, host="worker-3/pid:[1]")
    asyncio.run(release_ended_runs(hub))
    taken = claim_batch(hub.engine, token="next", limit=10, lease_s=300)
    assert len(taken) == 3 and all(c.needs_lookup for c in taken)
    assert holders.held_by_flow_runs(hub.engine) == [running]
