"""Results kept while the ledger is unchanged, for at most ``ttl_s`` (SLA states move with the
clock): the overview's figures and the sorted lists, which need a pass over every ticket.

The stamp is one cheap query (counts and latest changes of tickets, two-way state, quarantine),
so a browser refreshing every 30 s, or paging through a sorted list, costs that query only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Engine, func
from sqlmodel import Session
from sqlmodel import select as sm_select

from hub.ledger.sync_state import SyncStateRow
from hub.ledger.tables import QuarantineRow, TicketRow

T = TypeVar("T")
MAX_KEPT = 64


def ledger_version(engine: Engine) -> tuple[object, ...]:
    with Session(engine) as session:
        tickets = session.exec(sm_select(func.count(), func.max(TicketRow.updated_at))).one()
        synced = session.exec(sm_select(func.max(SyncStateRow.updated_at))).one()
        held = session.exec(sm_select(func.count(), func.max(QuarantineRow.id),
                                      func.max(QuarantineRow.resolved_at))).one()
    return (*tickets, synced, *held)


class Kept(Generic[T]):
    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[float, tuple[object, ...], T]] = {}

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], T]) -> T:
        version, clock = ledger_version(engine), time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[1] == version and clock - kept[0] < self.ttl_s:
            return kept[2]
        value = compute()
        clock = time.monotonic()  # kept from when it is ready: a long pass is not stale at once
        with self._lock:
            if len(self._kept) >= MAX_KEPT:  # many distinct filters: start over, stay small
                self._kept.clear()
            self._kept[key] = (clock, version, value)
        return value
