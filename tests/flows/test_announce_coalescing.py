"""The intake does not queue a second run behind one that has not started: a run of the
channel's sync deployment that is due but waiting will read what was stored meanwhile.

Against Prefect's real API (the session's test harness), so the filter is Prefect's own."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from prefect.states import Completed

from hub.intake.announce import PrefectEmitter

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("prefect_api")]


async def test_an_announcement_is_held_back_while_a_run_waits_and_sent_once_it_started(
        ) -> None:
    async with get_client() as client:
        flow_id = await client.create_flow_from_name("sync")
        deployment_id = await client.create_deployment(flow_id=flow_id, name="sync-call112")
        other = await client.create_deployment(flow_id=flow_id, name="sync-sambat")
        waiting = await client.create_flow_run_from_deployment(deployment_id)
        await client.create_flow_run_from_deployment(other)
        emitter = PrefectEmitter(str(PREFECT_API_URL.value()))
        try:
            assert await emitter.run_waiting("call112")
            assert await emitter.run_waiting("sambat")
            assert not await emitter.run_waiting("laksa")  # no deployment, no run
            await client.set_flow_run_state(waiting.id, Completed(), force=True)
            assert not await emitter.run_waiting("call112")  # nothing waits: announce again
        finally:
            await emitter.aclose()
