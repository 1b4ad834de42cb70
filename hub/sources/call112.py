"""112 call centre: it pushes call records to the intake; the sync reads them from the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.core.clients import Transports
from hub.core.settings import Settings
from hub.ledger.db import make_engine
from hub.sources.inbound import InboundSource
from hub.sources.page import Source

__all__ = ["InboundSource", "open_source"]


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    engine = make_engine(settings.database_url)
    try:
        yield InboundSource(engine, "call112")
    finally:
        engine.dispose()
