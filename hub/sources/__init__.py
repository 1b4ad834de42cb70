"""Channel sources: one module per channel, found by name.

``hub.sources.<channel>`` defines ``open_source(settings, transports)``, an async context manager
yielding a ``hub.sync.pull.Source``: it turns that channel's connector and paging style into
``fetch(since, resume, limit)``. Adding a channel adds a module here, a connector, a raw schema and
a mapping file; nothing else in the hub changes.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from typing import Protocol, cast

from hub.core.clients import Transports
from hub.core.settings import Settings
from hub.sources.page import Source


class SourceOpener(Protocol):
    def __call__(self, settings: Settings,
                 transports: Transports | None) -> AbstractAsyncContextManager[Source]: ...


def open_source(channel: str, settings: Settings,
                transports: Transports | None = None) -> AbstractAsyncContextManager[Source]:
    try:
        module = importlib.import_module(f"hub.sources.{channel}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"channel {channel!r} has a mapping file but no hub/sources/{channel}.py"
                         ) from exc
    opener = cast(SourceOpener, module.open_source)
    return opener(settings, transports)
