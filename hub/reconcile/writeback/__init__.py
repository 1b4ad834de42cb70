"""Channel write-back adapters: one module per channel that takes writes, found by name.

``hub.reconcile.writeback.<channel>`` defines ``follow_ups(raw) -> list[str]`` (the agency's
follow-up texts in a raw record) and ``open_writer(settings, transports)``, an async context manager
yielding a :class:`ChannelWriter`. A channel without a module here is read-only: its changes still
go to SP4N-LAPOR!, nothing is written back to it. Adding one is a module; nothing else changes.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, cast

from hub.core.clients import Transports
from hub.core.models import LaporStatus
from hub.core.settings import Settings


@dataclass(frozen=True)
class WriteContext:
    """What a writer may say to the citizen besides the status: never personal data."""

    tracking_id: str
    instansi: str
    target: LaporStatus
    oleh: str


class ChannelWriter(Protocol):
    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        """Bring the channel's ticket to ``status`` (channel vocabulary) and pass ``texts`` on.

        Returns the channel's record after the write (raw, for its version and status), or None
        when the channel has nothing to write for this (e.g. no message for that status).
        """
        ...


class _Opener(Protocol):
    def __call__(self, settings: Settings,
                 transports: Transports | None) -> AbstractAsyncContextManager[ChannelWriter]: ...


def _module(channel: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"hub.reconcile.writeback.{channel}")
    except ModuleNotFoundError as exc:
        if exc.name != f"hub.reconcile.writeback.{channel}":
            raise
        return None


def can_write(channel: str) -> bool:
    module = _module(channel)
    return module is not None and hasattr(module, "open_writer")


def follow_ups(channel: str, raw: Any) -> list[str]:
    """The agency's follow-up texts in a raw record; none for a channel that has no adapter."""
    module = _module(channel)
    if module is None or not hasattr(module, "follow_ups"):
        return []
    return list(module.follow_ups(raw))


def open_writer(channel: str, settings: Settings,
                transports: Transports | None = None) -> AbstractAsyncContextManager[ChannelWriter]:
    module = _module(channel)
    if module is None or not hasattr(module, "open_writer"):
        raise ValueError(f"channel {channel!r} takes no writes (no hub/writeback/{channel}.py)")
    return cast(_Opener, module.open_writer)(settings, transports)
