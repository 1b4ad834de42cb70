"""What a flow run is called and how it ends, so the Prefect UI tells an operator the truth.

Names read like ``sync-sikesal-2026-12-03T10:05`` (the run's scheduled time in WIB, the
schedules' zone). A run where any channel failed ends ``Failed`` with a message that says which
channels failed and what the others did; its result still carries the summary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect.client.schemas.objects import State
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from hub.privacy.masking import scrub_text

WIB = ZoneInfo("Asia/Jakarta")


def _when() -> str:
    at = flow_run.scheduled_start_time or datetime.now(UTC)
    return at.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")


def _channels() -> str:
    params: dict[str, Any] = flow_run.parameters or {}
    names = params.get("channels") or ["all"]
    return "+".join(str(n) for n in names)


def sync_run_name() -> str:
    return f"sync-{_channels()}-{_when()}"


def reconcile_run_name() -> str:
    return f"reconcile-{_channels()}-{_when()}"


def reminders_run_name() -> str:
    return f"reminders-{_when()}"


def run_id() -> str:
    return str(flow_run.get_id() or "local")


def final_state(what: str, result: Any, errors: dict[str, str], done: str) -> State[Any]:
    """``Failed`` when anything failed (partial success named as such), else ``Completed``."""
    if not errors:
        return Completed(message=done, data=result)
    failed = "; ".join(scrub_text(f"{name}: {error}")[:200]
                       for name, error in sorted(errors.items()))
    return Failed(message=f"{what} failed for {len(errors)} part(s): {failed}. {done}",
                  data=result)
