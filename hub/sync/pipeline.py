"""The sync as plain async functions: what the Prefect flows orchestrate and tests call directly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import Engine

from hub.core.clients import Transports, dukcapil_client, lapor_client
from hub.core.secrets import with_block_secrets
from hub.core.settings import Settings
from hub.identity.dukcapil import IdentityResolver
from hub.ledger import holders
from hub.ledger.claims import any_due, claim_batch
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import utcnow
from hub.mapping.engine import ChannelMapping
from hub.mapping.loader import load_mappings
from hub.mapping.validation import RawValidator
from hub.sources import open_source
from hub.sync import limits
from hub.sync.adopt import AdoptCounts, adopt_batch
from hub.sync.lease import holding
from hub.sync.pull import PullResult, pull_channel
from hub.sync.push import PushAborted, PushCounts, Pusher, PushPolicy
from hub.sync.summary import SyncSummary, describe, summarize

log = structlog.get_logger(__name__)


@dataclass
class Hub:
    """Everything a sync step needs, built once from settings."""

    settings: Settings
    engine: Engine
    mappings: dict[str, ChannelMapping]
    validators: dict[str, RawValidator]
    transports: Transports | None = None

    @classmethod
    def from_settings(cls, settings: Settings, transports: Transports | None = None,
                      engine: Engine | None = None) -> Hub:
        settings = with_block_secrets(settings)
        mappings = {name: m.model_copy(update={"max_text_chars": settings.text_chars.get(
                        name, settings.max_text_chars)})
                    for name, m in load_mappings(settings.mappings_dir,
                                                 settings.schemas_dir).items()}
        validators = {name: RawValidator.from_file(settings.schemas_dir / m.raw_schema)
                      for name, m in mappings.items()}
        engine = engine or make_engine(settings.database_url)
        init_db(engine)
        return cls(settings, engine, mappings, validators, transports)

    def check_channels(self, channels: list[str] | None) -> list[str]:
        if not channels:
            return sorted(self.mappings)
        unknown = sorted(set(channels) - set(self.mappings))
        if unknown:
            raise ValueError(f"unknown channel(s): {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(self.mappings))}")
        return channels

    def push_policy(self) -> PushPolicy:
        s = self.settings
        return PushPolicy(concurrency=s.push_concurrency, max_attempts=s.max_push_attempts,
                          retry_base_s=s.retry_base_s, retry_max_s=s.retry_max_s,
                          ambiguous_settle_s=s.ambiguous_settle_s)


async def pull(hub: Hub, channel: str, run_id: str | None = None,
               on_page: Callable[[PullResult], None] | None = None) -> PullResult:
    async with open_source(channel, hub.settings, hub.transports) as source:
        return await pull_channel(hub.engine, source, hub.mappings[channel],
                                  hub.validators[channel], page_size=hub.settings.page_size,
                                  overlap_s=hub.settings.overlap_s, run_id=run_id,
                                  on_page=on_page)


async def push_batch(hub: Hub, channels: list[str] | None = None, run_id: str | None = None,
                     flow_run_id: str | None = None) -> dict[str, PushCounts]:
    """Push up to one batch of due tickets, claiming one group at a time; counts per channel,
    empty when none was due.

    Claiming a group only when its POSTs are about to start means a killed run leaves at most
    one group ``sending`` (looked up by whoever takes it over); the rest of its batch was never
    taken from ``pending``.
    """
    settings, policy = hub.settings, hub.push_policy()
    # A channel the city files in LAPOR! itself is never POSTed (see adopt_all).
    channels = [c for c in (channels or sorted(hub.mappings)) if settings.filed_by(c) == "hub"]
    if not channels:
        return {}
    token, lease = uuid.uuid4().hex, settings.sending_lease_s
    holders.release_gone(hub.engine)
    totals: dict[str, PushCounts] = {}
    stop = _Stop()
    # Registered before the first claim: a holder dying right after claiming is still provable.
    async with holding(hub.engine, token, lease_s=lease, run_id=run_id, flow_run_id=flow_run_id,
                       on_lost=stop.set):
        left = settings.push_batch_size
        claimed = claim_batch(hub.engine, token=token, lease_s=lease, channels=channels,
                              limit=min(policy.group_size, left), held=True)
        if not claimed:
            return totals
        dukcapil = dukcapil_client(settings, hub.transports)
        async with lapor_client(settings, hub.transports) as lapor:
            try:
                identity = IdentityResolver(hub.engine, dukcapil, settings.identity_cache_ttl_s,
                                            gate=limits.dukcapil_gate(),
                                            min_score=settings.dukcapil.min_score)
                pusher = Pusher(hub.engine, lapor, identity, hub.mappings, policy,
                                throttle=limits.lapor_throttle())
                stop.pusher = pusher
                if stop.reason:
                    pusher.stop(stop.reason)
                while claimed:
                    left -= len(claimed)
                    merge_counts(totals, await pusher.push(claimed, run_id))
                    if pusher.stopped or left <= 0:
                        break
                    claimed = claim_batch(hub.engine, token=token, lease_s=lease, held=True,
                                          channels=channels, limit=min(policy.group_size, left))
            finally:
                if dukcapil is not None:
                    await dukcapil.aclose()
    return totals


@dataclass
class _Stop:
    """Hands the heartbeat's "claim lost" to the pusher, which exists only once a claim held."""

    pusher: Pusher | None = None
    reason: str | None = None

    def set(self, reason: str) -> None:
        self.reason = reason
        if self.pusher is not None:
            self.pusher.stop(reason)


def merge_counts(total: dict[str, PushCounts], more: dict[str, PushCounts]) -> None:
    for channel, counts in more.items():
        total.setdefault(channel, PushCounts()).add(counts)


async def push_all(hub: Hub, channels: list[str] | None = None,
                   run_id: str | None = None) -> dict[str, PushCounts]:
    totals: dict[str, PushCounts] = {}
    while batch := await push_batch(hub, channels, run_id):
        merge_counts(totals, batch)
    return totals


async def adopt_all(hub: Hub, channels: list[str] | None = None,
                    run_id: str | None = None) -> dict[str, AdoptCounts]:
    """Find the city's own LAPOR! report of every due ticket of the city-filed channels among
    ``channels``, each ticket at most once per call (one waiting for the city is due again only
    after ``adoption.recheck_s``, from the next run on)."""
    names = hub.check_channels(channels)
    due_by = utcnow()
    totals: dict[str, AdoptCounts] = {}
    while batch := await adopt_batch(hub.engine, hub.settings, hub.mappings, names, run_id,
                                     hub.transports, due_by=due_by):
        for channel, counts in batch.items():
            totals.setdefault(channel, AdoptCounts()).add(counts)
    return totals


PushOne = Callable[[], Awaitable[dict[str, PushCounts]]]


class Flag(Protocol):
    """An ``asyncio.Event`` here, a ``multiprocessing.Event`` in a push helper process."""

    def is_set(self) -> bool: ...


async def push_while_pulling(hub: Hub, channels: list[str], pulls_done: Flag,
                             push_one: PushOne, idle_s: float = 0.25,
                             ) -> tuple[dict[str, PushCounts], str | None]:
    """Push claimed batches while the pulls are still storing pages, then until nothing is due.

    Pushing alongside the pull means the first ticket of a large backlog goes out seconds after
    it was stored, not after the whole backlog was read; HTTP waits of both overlap. Returns the
    counts and, when LAPOR! refused the hub itself, why pushing stopped (the pulls go on).
    """
    totals: dict[str, PushCounts] = {}
    lease = hub.settings.sending_lease_s
    channels = [c for c in channels if hub.settings.filed_by(c) == "hub"]  # the rest: adopted
    while True:
        # Read before looking: if the pulls had ended, this look sees everything they stored.
        finished = pulls_done.is_set()
        if channels:
            holders.release_gone(hub.engine)  # a run that died on this host: take its rows now
        if channels and any_due(hub.engine, lease_s=lease, channels=channels):
            try:
                merge_counts(totals, await push_one())
            except PushAborted as exc:
                log.error("push.aborted", error=str(exc))
                return totals, f"LAPOR! refused the hub: {exc}"
            continue
        if finished:
            return totals, None
        await asyncio.sleep(idle_s)


async def sync(hub: Hub, channels: list[str] | None = None, run_id: str | None = None,
               on_pulls_done: Callable[[], None] | None = None) -> SyncSummary:
    """Pull every channel concurrently and push as pages land. No Prefect needed.

    ``on_pulls_done`` is called once every pull has ended (helpers pushing beside this run).
    """
    names = hub.check_channels(channels)
    run_id = run_id or uuid.uuid4().hex
    pulls_done = asyncio.Event()

    async def pull_all() -> list[PullResult | BaseException]:
        try:
            return await asyncio.gather(*(pull(hub, n, run_id) for n in names),
                                        return_exceptions=True)
        finally:
            pulls_done.set()
            if on_pulls_done is not None:
                on_pulls_done()

    results, (pushed, push_error) = await asyncio.gather(
        pull_all(),
        push_while_pulling(hub, names, pulls_done, lambda: push_batch(hub, names, run_id)))
    pulls: dict[str, PullResult | BaseException] = dict(zip(names, results, strict=True))
    for name, result in pulls.items():
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # KeyboardInterrupt, cancellation: not ours to swallow
        if isinstance(result, BaseException):
            log.error("channel.pull_failed", channel=name, error=describe(result))
    adopted = await adopt_all(hub, names, run_id)
    return summarize(run_id, names, pulls, pushed, push_error, adopted)
