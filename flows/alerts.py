"""Prefect flow: tell operators a hub run failed or crashed, through the hub's notification channel.

Started by the ``alert-failed-runs`` deployment's trigger (``prefect.yaml``) on every
``prefect.flow-run.Failed`` / ``Crashed`` event of the hub's flows, with the run's resource id.
The notification id is the run's, so a repeated event is acknowledged, not delivered twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import httpx
import structlog
from prefect import flow
from prefect.client.orchestration import get_client

from hub.core.settings import get_settings
from hub.privacy.masking import scrub_text
from hub.service.run_logging import configure_run_logging

log = structlog.get_logger(__name__)
RECIPIENT = "ops:lapor-hub"


@flow(name="lapor-hub-run-alert", log_prints=False,
      description="Notify operators (LAPOR_HUB_NOTIFY__BASE_URL) that a hub run failed or crashed.")
async def alert_flow(flow_run_id: str) -> str:
    """Send one alert.

    Args:
        flow_run_id: The failed run, as its event names it (``prefect.flow-run.<id>``) or bare.
    """
    configure_run_logging()
    run_uuid = UUID(flow_run_id.removeprefix("prefect.flow-run."))
    async with get_client() as client:
        run = await client.read_flow_run(run_uuid)
    state = (run.state.name if run.state else None) or "unknown"
    message = scrub_text(f"{run.name}: {state}: {(run.state.message if run.state else '') or ''}")
    channels = (run.parameters or {}).get("channels") or ["hub"]
    notify = get_settings().notify
    token = notify.token.get_secret_value() if notify.token else None
    body = {"notification_id": f"run-{run_uuid}", "recipient": RECIPIENT,
            "level": f"run_{state.lower()}", "ticket_id": 0, "tracking_id": None,
            "channel": ",".join(channels), "instansi": "lapor-hub", "stage": "run",
            "deadline": datetime.now(UTC).isoformat(), "message": message[:1000]}
    async with httpx.AsyncClient(base_url=notify.base_url, timeout=notify.timeout_s,
                                 headers={"Authorization": f"Bearer {token}"} if token else {},
                                 ) as http:
        response = await http.post("/notifications", json=body)
        response.raise_for_status()
    log.info("alert.sent", flow_run=str(run_uuid), state=state)
    return message
