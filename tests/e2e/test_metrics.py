"""``/metrics`` of the read API: Prometheus text a scraper parses, per channel."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.api.app import create_app
from hub.service.metrics import add_metrics
from hub.sync.pipeline import sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


async def test_metrics_show_last_success_backlog_quarantine_and_sla_per_channel(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 20, 81, bad_rate=0.2)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, ["sikesal"])
    app = add_metrics(create_app(hub), hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.text)
               for s in family.samples}
    sikesal = (("channel", "sikesal"),)
    assert samples[("lapor_hub_channel_last_success_timestamp_seconds", sikesal)] > 0
    assert samples[("lapor_hub_backlog_tickets", sikesal)] == 0
    sent = samples[("lapor_hub_tickets", (("channel", "sikesal"), ("state", "sent")))]
    assert sent == len(sandbox.lapor_reports()) > 0
    assert samples[("lapor_hub_quarantine_open", sikesal)] >= 1
    held = samples[("lapor_hub_tickets", (("channel", "sikesal"), ("state", "quarantined")))]
    assert samples[("lapor_hub_unsent_tickets", sikesal)] == held
    assert any(name == "lapor_hub_sla_tickets" for name, _ in samples)
