"""Re-reading quarantined records from their channel, so a replay is not stuck on a bad copy.

No channel here serves one record by id, so a rescan reads a bounded window of the channel's
feed (from ``replay_rescan_days`` before the oldest entry was quarantined, or, for a source that
offers ``resume_before(ids)``, from just before the lowest wanted id; at most
``replay_rescan_pages`` pages) through the same source the pull uses, without moving its cursor.
Records quarantined because the wire corrupted them are valid at the source and come back whole.
A channel that pushes (the 112 intake) has no feed to re-read: its stored copy is the source.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import structlog

from hub.mapping.specs import MappingError
from hub.sources import open_source
from hub.sync.pipeline import Hub

log = structlog.get_logger(__name__)
T = TypeVar("T")
PUSHED_CHANNELS = frozenset({"call112"})  # stored by the intake: nothing upstream to re-read


def can_rescan(channel: str) -> bool:
    return channel not in PUSHED_CHANNELS


@dataclass
class Rescan:
    found: dict[str, Any] = field(default_factory=dict)  # freshest copy per wanted source id
    others: list[Any] = field(default_factory=list)  # the rest of the window, as read


async def rescan(hub: Hub, channel: str, wanted: set[str], oldest: datetime) -> Rescan:
    mapping, settings = hub.mappings[channel], hub.settings
    since = oldest - timedelta(days=settings.replay_rescan_days)
    found: dict[str, tuple[str, Any]] = {}
    out = Rescan()
    resume: str | None = None
    async with open_source(channel, settings, hub.transports) as source:
        # A source paged by id (Sikesal) knows where the wanted ids are; time means nothing to it.
        start_at = getattr(source, "resume_before", None)
        if callable(start_at) and wanted:
            resume = start_at(wanted)
        for _ in range(settings.replay_rescan_pages):
            page = await source.fetch(since=since, resume=resume, limit=settings.page_size)
            for raw in page.records:
                source_id = mapping.source_id(raw)
                if source_id is None or source_id not in wanted:
                    out.others.append(raw)
                    continue
                try:
                    version = mapping.version_key(raw)
                except (MappingError, ValueError, TypeError):
                    version = ""
                if source_id not in found or version >= found[source_id][0]:
                    found[source_id] = (version, raw)
            if not page.has_more or page.resume is None or page.resume == resume:
                break
            resume = page.resume
    out.found = {source_id: raw for source_id, (_, raw) in found.items()}
    log.info("quarantine.rescanned", channel=channel, wanted=len(wanted), found=len(out.found),
             others=len(out.others))
    return out


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from plain code, also when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    out: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(coro))
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            error.append(exc)

    thread = threading.Thread(target=target, name="quarantine-rescan")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return out[0]


def fresh_copies(hub: Hub, channel: str, wanted: set[str], oldest: datetime) -> Rescan:
    """Fresh copies from the channel, or none when it cannot be read (the stored copy is used)."""
    if not can_rescan(channel):
        return Rescan()
    try:
        return run_sync(rescan(hub, channel, wanted, oldest))
    except Exception as exc:  # noqa: BLE001  (falling back to the stored copy is the contract)
        log.warning("quarantine.rescan_failed", channel=channel, error=type(exc).__name__)
        return Rescan()
