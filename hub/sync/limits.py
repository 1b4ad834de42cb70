"""Upstream limits shared by every worker, as Prefect global concurrency limits.

- ``lapor-hub-lapor-rate``: LAPOR!'s request rate. A rate limit (slots decay at ``lapor_per_s``),
  taken a chunk of requests at a time before the pusher sends them.
- ``lapor-hub-dukcapil-quota``: Dukcapil's daily quota as a token bucket that refills
  ``quota / 86,400`` slots a second (Prefect has no calendar-day reset: this is a rolling day).
  One slot per identity call. A slot that does not come at once is *waited for*: a slow or busy
  Prefect API is contention, never "quota used up". Identity checks close only when the bucket
  itself is full (the hub's own count of the day's calls) or the gateway answers code 05.
- ``lapor-hub-pull-<channel>``: one pull of a channel at a time, across runs and workers.
- Dukcapil's access hours (WIB) are a clock check: a concurrency limit cannot express a window.

Every limit is created (or updated) idempotently on first use in a process, and taken with
``strict=True``: a missing limit is an error, never Prefect's silent "does not exist – skipping".
``prefect deploy`` (a build step in ``prefect.yaml``) and ``serve`` also create them up front with
``python -m hub.sync.limits``. Without a Prefect API (``--no-prefect``, local ephemeral mode) the
hooks are ``None``: one process needs no shared limit.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import weakref
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
QUOTA_SPENT = "Dukcapil daily quota used up (the hub's count of today's calls)"

Throttle = Callable[[int], Awaitable[None]]  # before sending n requests to LAPOR!
Gate = Callable[[], Awaitable[str | None]]  # before one Dukcapil call: a reason not to, or None


class LimitSettings(BaseSettings):
    """Env prefix ``LAPOR_HUB_LIMITS_`` (e.g. ``LAPOR_HUB_LIMITS_LAPOR_PER_S=20``)."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_HUB_LIMITS_", extra="ignore")

    lapor_per_s: float = 50.0
    dukcapil_daily_quota: int = 100_000
    dukcapil_hours: str = "00:00-24:00"  # WIB, as the gateway's agreement states them
    # First wait for a quota slot before checking whether the quota is really spent; doubles
    # up to ``dukcapil_wait_max_s`` while the bucket still has room (contention, not exhaustion).
    dukcapil_wait_s: float = 10.0
    dukcapil_wait_max_s: float = 60.0


def prefect_api_url() -> str | None:
    """The Prefect API the limits live on: the environment's, or the profile's / test harness's
    once Prefect is loaded (never importing Prefect just to find out)."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    if "prefect.settings" not in sys.modules:
        return None
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def within_hours(hours: str, now: datetime) -> bool:
    start_s, end_s = hours.split("-")
    start = time.fromisoformat(start_s)
    local = now.astimezone(WIB).time()
    if end_s == "24:00":
        return local >= start
    end = time.fromisoformat(end_s)
    return start <= local < end if start <= end else (local >= start or local < end)


def pull_limit(channel: str) -> str:
    return f"lapor-hub-pull-{channel}"


def wanted_limits(s: LimitSettings, channels: list[str] | None = None
                  ) -> dict[str, tuple[int, float]]:
    """Limit name → (slots, decay per second)."""
    wanted = {
        LAPOR_RATE: (max(1, math.floor(s.lapor_per_s)), s.lapor_per_s),
        DUKCAPIL_QUOTA: (s.dukcapil_daily_quota, s.dukcapil_daily_quota / 86_400),
    }
    wanted.update({pull_limit(c): (1, 0.0) for c in channels or []})
    return wanted


async def ensure_limits(
    settings: LimitSettings | None = None, channels: list[str] | None = None
) -> list[str]:
    """Create or update the limits on the configured Prefect server; idempotent, safe to race."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    wanted = wanted_limits(settings or LimitSettings(), channels)
    async with get_client() as client:
        for name, (limit, decay) in wanted.items():
            update = GlobalConcurrencyLimitUpdate(limit=limit, slot_decay_per_second=decay,
                                                  active=True)
            try:
                current = await client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                try:
                    await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                        name=name, limit=limit, slot_decay_per_second=decay, active=True))
                except (ObjectAlreadyExists, httpx.HTTPStatusError):
                    # Another worker created it meanwhile (SQLite answers that race with a
                    # 500): it must exist now, or this read raises.
                    await client.read_global_concurrency_limit_by_name(name)
                else:
                    log.info("limits.created", limit=name, slots=limit, decay_per_s=decay)
                continue
            if (current.limit, current.slot_decay_per_second, current.active) != (
                    limit, decay, True):
                await client.update_global_concurrency_limit(name, update)
                log.info("limits.updated", limit=name, slots=limit, decay_per_s=decay)
    return list(wanted)


_ready: set[tuple[str, str]] = set()  # (API URL, limit name) this process made sure of
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


async def ensure_once(names: list[str], settings: LimitSettings,
                      channels: list[str] | None = None) -> None:
    api = prefect_api_url() or ""
    if all((api, n) in _ready for n in names):
        return
    # Hundreds of identity checks start at once: one of them creates, the others wait for it.
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if not all((api, n) in _ready for n in names):
            await ensure_limits(settings, channels)
            _ready.update((api, n) for n in names)


def lapor_throttle(settings: LimitSettings | None = None) -> Throttle | None:
    if prefect_api_url() is None:
        return None
    s = settings or LimitSettings()
    most = max(1, math.floor(s.lapor_per_s))

    async def throttle(n: int) -> None:
        from prefect.concurrency.asyncio import rate_limit

        try:
            await ensure_once([LAPOR_RATE], s)
            # A rate limit grants at most its size at once: take a big chunk in pieces.
            while n > 0:
                take = min(n, most)
                await rate_limit(LAPOR_RATE, occupy=take, strict=True)
                n -= take
        except (httpx.HTTPError, OSError) as exc:
            # Prefect's server unreachable: go on; LAPOR!'s 429s are still honoured.
            log.warning("limits.unavailable", limit=LAPOR_RATE, error=type(exc).__name__)

    return throttle


async def quota_spent(s: LimitSettings) -> bool:
    """True when the shared bucket holds a whole day's calls: the hub's own count says stop.
    The stored count only errs high (decay is applied when slots are taken), never low."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        limit = await client.read_global_concurrency_limit_by_name(DUKCAPIL_QUOTA)
    return limit.active_slots + 1 > limit.limit


async def take_quota_slot(s: LimitSettings) -> str | None:
    """Wait for one Dukcapil slot; a reason not to call only when the quota is really spent."""
    from prefect.concurrency.asyncio import rate_limit

    await ensure_once([DUKCAPIL_QUOTA], s)
    wait = s.dukcapil_wait_s
    while True:
        try:
            await rate_limit(DUKCAPIL_QUOTA, occupy=1, timeout_seconds=wait, strict=True)
            return None
        except TimeoutError:
            if await quota_spent(s):
                return QUOTA_SPENT
            # The bucket has room: Prefect was slow or busy. Waiting is waiting.
            log.debug("limits.waiting", limit=DUKCAPIL_QUOTA, waited_s=wait)
            wait = min(wait * 2, s.dukcapil_wait_max_s)


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
        try:
            return await take_quota_slot(s)
        except (httpx.HTTPError, OSError) as exc:
            log.warning("limits.unavailable", limit=DUKCAPIL_QUOTA, error=type(exc).__name__)
        return None

    return gate


@asynccontextmanager
async def pull_slot(channel: str) -> AsyncIterator[None]:
    """Holds the channel's pull slot (limit 1): whoever started the run, from a schedule, an
    event or the UI with other parameters, on any worker, one pull of a channel at a time."""
    if prefect_api_url() is None:
        yield
        return
    from prefect.concurrency.asyncio import concurrency

    await ensure_once([pull_limit(channel)], LimitSettings(), [channel])
    # A short lease: a worker killed mid-pull frees its channel within a minute.
    async with concurrency(pull_limit(channel), occupy=1, lease_duration=60, strict=True):
        yield


def main() -> None:
    from hub.core.settings import get_settings
    from hub.mapping.loader import channels as mapped_channels

    names = asyncio.run(ensure_limits(channels=mapped_channels(get_settings().mappings_dir)))
    sys.stdout.write(f"limits ready: {', '.join(names)}\n")


if __name__ == "__main__":
    main()
