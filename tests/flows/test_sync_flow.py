"""The Prefect flow is a thin wrapper: same guarantees as the plain pipeline, plus an artifact."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client

from hub.service.runtime import use_hub
from tests.sandbox import Sandbox


@pytest.mark.usefixtures("prefect_api")
def test_sync_flow_pushes_once_and_publishes_a_summary_artifact(sandbox: Sandbox,
                                                               sqlite_url: str) -> None:
    from flows.sync import sync_flow

    sandbox.seed("sikesal", 30, 41)
    use_hub(sandbox.hub(sqlite_url))
    try:
        first = asyncio.run(sync_flow(["sikesal"]))
        second = asyncio.run(sync_flow(["sikesal"]))
    finally:
        use_hub(None)
    assert first.channels["sikesal"].sent == 30 and second.channels["sikesal"].sent == 0
    assert len(sandbox.lapor_reports()) == 30

    async def artifacts() -> list[str]:
        async with get_client() as client:
            found = await client.read_artifacts()
            return [a.key or "" for a in found]

    assert "sync-sikesal" in asyncio.run(artifacts())
