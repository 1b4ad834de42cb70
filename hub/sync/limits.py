"""Upstream limits shared by every worker, as Prefect global concurrency limits.

- ``lapor-hub-lapor-rate``: LAPOR!'s request rate. A rate limit (slots decay at ``lapor_per_s``),
  taken a chunk of requests at a time before the pusher sends them.
- ``lapor-hub-dukcapil-quota``: Dukcapil's daily quota as a token bucket that refills
  ``quota / 86,400`` slots a second (Prefect has no calendar-day reset: this is a rolling day).
  One slot per identity call; when none comes within a second the run stops asking Dukcapil and
  marks reporters unverified, as the gateway's own quota answer would.
- Dukcapil's access hours (WIB) are a clock check: a concurrency limit cannot express a window.

Without a Prefect API (tests, ``lapor-hub sync --no-prefect``, local ephemeral mode) the hooks are
``None`` and the hub behaves as before. ``python -m hub.sync.limits`` creates or updates the
limits.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, time
from zoneinfo import ZoneInfo

import httpx
import structlog
from pydantic_settings import BaseSettings, SettingsConfigDict

log = structlog.get_logger(__name__)

LAPOR_RATE = "lapor-hub-lapor-rate"
DUKCAPIL_QUOTA = "lapor-hub-dukcapil-quota"
WIB = ZoneInfo("Asia/Jakarta")

Throttle = Callable[[int], Awaitable[None]]  # before sending n requests to LAPOR!
Gate = Callable[[], Awaitable[str | None]]  # before one Dukcapil call: a reason not to, or None


class LimitSettings(BaseSettings):
    """Env prefix ``LAPOR_HUB_LIMITS_`` (e.g. ``LAPOR_HUB_LIMITS_LAPOR_PER_S=20``)."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_HUB_LIMITS_", extra="ignore")

    lapor_per_s: float = 50.0
    dukcapil_daily_quota: int = 100_000
    dukcapil_hours: str = "00:00-24:00"  # WIB, as the gateway's agreement states them
    dukcapil_wait_s: float = 1.0


def prefect_api_url() -> str | None:
    return os.environ.get("PREFECT_API_URL") or None


def within_hours(hours: str, now: datetime) -> bool:
    start_s, end_s = hours.split("-")
    start = time.fromisoformat(start_s)
    local = now.astimezone(WIB).time()
    if end_s == "24:00":
        return local >= start
    end = time.fromisoformat(end_s)
    return start <= local < end if start <= end else (local >= start or local < end)


def lapor_throttle(settings: LimitSettings | None = None) -> Throttle | None:
    if prefect_api_url() is None:
        return None
    s = settings or LimitSettings()
    most = max(1, math.floor(s.lapor_per_s))

    async def throttle(n: int) -> None:
        from prefect.concurrency.asyncio import rate_limit

        # A rate limit grants at most its size at once: take a big chunk in pieces.
        while n > 0:
            take = min(n, most)
            try:
                await rate_limit(LAPOR_RATE, occupy=take)
            except (httpx.HTTPError, OSError) as exc:
                # Prefect's server unreachable: go on; LAPOR!'s 429s are still honoured.
                log.warning("limits.unavailable", limit=LAPOR_RATE, error=type(exc).__name__)
                return
            n -= take

    return throttle


def dukcapil_gate(settings: LimitSettings | None = None) -> Gate | None:
    s = settings or LimitSettings()
    limited = prefect_api_url() is not None
    if not limited and s.dukcapil_hours == "00:00-24:00":
        return None

    async def gate() -> str | None:
        if not within_hours(s.dukcapil_hours, datetime.now(WIB)):
            return "Dukcapil outside access hours"
        if not limited:
            return None
        from prefect.concurrency.asyncio import rate_limit

        try:
            await rate_limit(DUKCAPIL_QUOTA, occupy=1, timeout_seconds=s.dukcapil_wait_s)
        except TimeoutError:
            return "Dukcapil daily quota used up (shared limit)"
        except (httpx.HTTPError, OSError) as exc:
            log.warning("limits.unavailable", limit=DUKCAPIL_QUOTA, error=type(exc).__name__)
        return None

    return gate


def pull_limit(channel: str) -> str:
    return f"lapor-hub-pull-{channel}"


@asynccontextmanager
async def pull_slot(channel: str) -> AsyncIterator[None]:
    """Holds the channel's pull slot (limit 1): whoever started the run, from a schedule, an
    event or the UI with other parameters, on any worker, one pull of a channel at a time."""
    if prefect_api_url() is None:
        yield
        return
    from prefect.concurrency.asyncio import concurrency

    # A short lease: a worker killed mid-pull frees its channel within a minute.
    async with concurrency(pull_limit(channel), occupy=1, lease_duration=60):
        yield


async def ensure_limits(
    settings: LimitSettings | None = None, channels: list[str] | None = None
) -> None:
    """Create or update the limits on the configured Prefect server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectNotFound

    s = settings or LimitSettings()
    wanted = {
        LAPOR_RATE: (max(1, math.floor(s.lapor_per_s)), s.lapor_per_s),
        DUKCAPIL_QUOTA: (s.dukcapil_daily_quota, s.dukcapil_daily_quota / 86_400),
    }
    wanted.update({pull_limit(c): (1, 0.0) for c in channels or []})
    async with get_client() as client:
        for name, (limit, decay) in wanted.items():
            try:
                await client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(
                        name=name, limit=limit, slot_decay_per_second=decay, active=True
                    )
                )
                continue
            await client.update_global_concurrency_limit(
                name,
                GlobalConcurrencyLimitUpdate(limit=limit, slot_decay_per_second=decay, active=True),
            )


if __name__ == "__main__":
    from hub.core.settings import get_settings
    from hub.mapping.loader import channels as mapped_channels

    asyncio.run(ensure_limits(channels=mapped_channels(get_settings().mappings_dir)))
    sys.stdout.write(f"limits ready: {LAPOR_RATE}, {DUKCAPIL_QUOTA}\n")
