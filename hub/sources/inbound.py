"""Channels that push: the hub stores their events as they arrive; the sync reads them back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.ledger.tables import InboundEventRow
from hub.sources.page import SourcePage


@dataclass
class InboundSource:
    """Reads stored events in arrival order; the position is the last inbound row id."""

    engine: Engine
    channel: str

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        after = int(resume or 0)
        with Session(self.engine) as session:
            rows = list(session.exec(
                select(InboundEventRow)
                .where(InboundEventRow.channel == self.channel, col(InboundEventRow.id) > after)
                .order_by(col(InboundEventRow.id)).limit(limit)))
        records = [json.loads(r.payload) for r in rows]
        last = rows[-1].id if rows else after
        return SourcePage(records=records, resume=str(last), more=len(rows) == limit)
