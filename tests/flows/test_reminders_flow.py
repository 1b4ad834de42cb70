"""The reminders flow is thin: one reminder round, then the month's figures as an artifact."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client

from hub.core.settings import NotifySystem, Settings
from hub.ledger.db import make_engine
from hub.reminders.run import RoundOutcome
from hub.service.runtime import use_hub
from hub.sync.pipeline import Hub
from simulators import notify
from simulators.runner import running
from tests.hub.viewdata import seed


@pytest.mark.usefixtures("prefect_api")
def test_reminders_flow_runs_a_round_and_publishes_figures(sqlite_url: str) -> None:
    from flows.reminders import reminders_flow

    with running({"notify": notify.create_app()}) as endpoints:
        settings = Settings(database_url=sqlite_url,
                            notify=NotifySystem(base_url=endpoints["notify"].base_url))
        hub = Hub.from_settings(settings, engine=make_engine(sqlite_url))
        seed(hub.engine)
        use_hub(hub)
        try:
            outcome = reminders_flow(period="2026-10")
            again = reminders_flow(period="2026-10")
        finally:
            use_hub(None)
    assert isinstance(outcome, RoundOutcome) and outcome.failed == 0
    assert again.recorded == {}  # whatever the first round found, it is not found again

    async def artifact() -> str:
        async with get_client() as client:
            found = await client.read_artifacts()
            return next(str(a.data) for a in found if a.key == "sla-figures")

    assert "**4 reports, 0 done, 4 in process.**" in asyncio.run(artifact())
