"""A run's final Prefect state tells the truth: Failed when any channel failed, with the summary
and every channel's artifact still published; readable run names."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from pydantic import SecretStr

from hub.core.settings import LaksaSystem
from hub.service.runtime import use_hub
from tests.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("prefect_api")


async def _run_and_artifacts(flow_call: Any) -> tuple[Any, Any, list[str]]:
    state = await flow_call
    async with get_client() as client:
        run = await client.read_flow_run(state.state_details.flow_run_id)
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    return state, run, sorted(a.key or "" for a in found)


def test_a_clean_sync_ends_completed_with_a_readable_name_and_its_channel_artifact(
        sandbox: Sandbox, sqlite_url: str) -> None:
    from flows.sync import sync_flow

    sandbox.seed("sikesal", 12, 51)
    use_hub(sandbox.hub(sqlite_url))
    try:
        state, run, keys = asyncio.run(_run_and_artifacts(
            sync_flow(["sikesal"], return_state=True)))
    finally:
        use_hub(None)
    assert state.is_completed() and run.state_type.value == "COMPLETED"
    assert re.fullmatch(r"sync-sikesal-\d{4}-\d\d-\d\dT\d\d:\d\d", run.name), run.name
    assert keys == ["sync-sikesal"]
    assert state.result().channels["sikesal"].sent == 12


def test_a_channel_that_cannot_be_pulled_fails_the_run_after_the_others_are_synced(
        sandbox: Sandbox, sqlite_url: str) -> None:
    from flows.sync import sync_flow

    sandbox.seed("sikesal", 10, 52)
    sandbox.seed("laksa", 5, 52)
    laksa = LaksaSystem(base_url=sandbox.endpoints["laksa"].base_url, token=SecretStr("wrong"),
                        max_attempts=1)
    use_hub(sandbox.hub(sqlite_url, laksa=laksa))
    try:
        state, run, keys = asyncio.run(_run_and_artifacts(
            sync_flow(["sikesal", "laksa"], return_state=True)))
    finally:
        use_hub(None)
    assert state.is_failed() and run.state_type.value == "FAILED"
    assert "laksa" in (run.state.message or "") and "1 of 2 channel(s)" in run.state.message
    summary = state.result(raise_on_failure=False)
    assert summary.channels["sikesal"].sent == 10 and summary.channels["laksa"].error
    assert keys == ["sync-laksa", "sync-sikesal"]
    assert len(sandbox.lapor_reports()) == 10


def test_a_reconcile_round_with_an_unreadable_channel_ends_failed(
        sandbox: Sandbox, sqlite_url: str) -> None:
    from flows.reconcile import reconcile_flow

    laksa = LaksaSystem(base_url=sandbox.endpoints["laksa"].base_url, token=SecretStr("wrong"),
                        max_attempts=1)
    use_hub(sandbox.hub(sqlite_url, laksa=laksa))
    try:
        state, run, _ = asyncio.run(_run_and_artifacts(
            reconcile_flow(["laksa"], return_state=True)))
    finally:
        use_hub(None)
    assert state.is_failed() and run.name.startswith("reconcile-laksa-")
    assert "laksa" in state.result(raise_on_failure=False).errors


def test_a_failed_run_is_notified_through_the_hubs_notification_channel(
        sandbox: Sandbox, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.alerts import alert_flow
    from flows.sync import sync_flow
    from hub.core.settings import get_settings

    laksa = LaksaSystem(base_url=sandbox.endpoints["laksa"].base_url, token=SecretStr("wrong"),
                        max_attempts=1)
    use_hub(sandbox.hub(sqlite_url, laksa=laksa))
    try:
        failed = asyncio.run(sync_flow(["laksa"], return_state=True))
    finally:
        use_hub(None)
    monkeypatch.setenv("LAPOR_HUB_NOTIFY__BASE_URL", sandbox.endpoints["notify"].base_url)
    get_settings.cache_clear()
    try:
        event_id = f"prefect.flow-run.{failed.state_details.flow_run_id}"
        asyncio.run(alert_flow(event_id))
        asyncio.run(alert_flow(event_id))  # the same event again: acknowledged, not repeated
    finally:
        get_settings.cache_clear()
    [alert] = sandbox.state("notify")["notifications"]
    assert alert["recipient"] == "ops:lapor-hub" and alert["level"] == "run_failed"
    assert alert["channel"] == "laksa" and "sync-laksa-" in alert["message"]
