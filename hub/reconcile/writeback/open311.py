"""Open311 write-back: the channel is the hub's own GeoReport endpoint, so its side is a table.

The status LAPOR! and the hub agreed on (``open``/``closed``) and LAPOR!'s follow-up texts are
stored in ``open311_status``; GeoReport clients read them as ``status`` and ``status_notes``.
Open311 clients cannot write follow-ups, so there are none to read back from the channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine

from hub.core.clients import Transports
from hub.core.settings import Settings
from hub.ledger.db import make_engine
from hub.ledger.open311_state import write_status
from hub.reconcile.writeback import ChannelWriter, WriteContext


class Open311Writer:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def write(self, source_id: str, status: str, texts: list[str],
                    ctx: WriteContext) -> Any | None:
        return await asyncio.to_thread(write_status, self._engine, source_id, status, texts)


@asynccontextmanager
async def open_writer(settings: Settings,
                      transports: Transports | None) -> AsyncIterator[ChannelWriter]:
    engine = make_engine(settings.database_url)
    try:
        yield Open311Writer(engine)
    finally:
        engine.dispose()
