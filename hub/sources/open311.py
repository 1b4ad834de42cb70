"""Open311 GeoReport v2: apps POST service requests to ``/open311/v2/requests``; the hub stores
each one as an inbound event (``hub.open311.submit``) and the sync reads them back from there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.core.clients import Transports
from hub.core.settings import Settings
from hub.ledger.db import make_engine
from hub.sources.inbound import InboundSource
from hub.sources.page import Source

CHANNEL = "open311"


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    engine = make_engine(settings.database_url)
    try:
        yield InboundSource(engine, CHANNEL)
    finally:
        engine.dispose()
