"""Laksa (Kota Tangerang): page-number paging made safe by reading newest first.

Page numbers are not a position. A report updated between two page fetches jumps to the newest end
and every record it passed shifts one place towards the oldest end. Reading oldest first
(``sort=updated_at``) such a shift pushes an unread record onto a page already read: it is lost.
Reading newest first (``sort=-updated_at``) from page 1, a shift can only push a record onto the
page about to be read (read twice; the ledger drops the stale copy by version), never past it,
because the window moves a whole page per fetch and a record moves one place per update.

The run reads from page 1 until a page reaches records older than ``since`` (the engine's
``watermark - overlap``) or the list ends. Two more rules keep the watermark honest:

* The newest ``updated_at`` of the run's first page is its *ceiling*. Anything newer was updated
  while the run paged; it is left out, so the watermark (the newest stored) stays below it and the
  next run, starting at ``watermark - overlap``, reads it at its final version.
* Records removed at the source shift the rest the other way (towards page 1), which could skip
  one. ``total`` tells: when it shrinks between pages, the run steps back as many pages as the
  shrink could have moved a record and reads them again.

The page token (stored by the engine with each page) carries page, ceiling and the last total, so
a crashed run resumes with the same rules.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connectors.laksa import LaksaClient, LaksaPage, Sort
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.sources.page import Source, SourcePage

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class PageFetcher(Protocol):
    async def fetch_page(self, *, page: int, page_size: int = 50,
                         sort: Sort = "-updated_at") -> LaksaPage: ...


@dataclass(frozen=True)
class Position:
    """Where the run is: next page, the run's ceiling (epoch ms), the total last seen, and how
    often it stepped back (so a token never repeats within a run, which the engine would take
    for a paging loop)."""

    page: int = 1
    ceiling_ms: int | None = None
    total: int | None = None
    rewinds: int = 0

    def encode(self) -> str:
        parts = (self.page, self.ceiling_ms, self.total, self.rewinds)
        return ":".join("" if v is None else str(v) for v in parts)

    @classmethod
    def decode(cls, token: str) -> Position:
        try:
            page, ceiling, total, rewinds = token.split(":")
            return cls(int(page), int(ceiling) if ceiling else None,
                       int(total) if total else None, int(rewinds))
        except ValueError:
            raise ValueError("laksa: unreadable page token") from None


def _stamp(record: Any) -> int | None:
    """``updated_at`` of a record, or None when it is not an epoch-ms integer (malformed)."""
    value = record.get("updated_at") if isinstance(record, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_ms(stamp: datetime) -> int:
    """Epoch milliseconds, rounded down so a ``since`` inside a millisecond stays inclusive."""
    return (stamp - _EPOCH) // _MS


class LaksaSource:
    def __init__(self, client: PageFetcher) -> None:
        self._client = client

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        at = Position.decode(resume) if resume else Position()
        page = await self._client.fetch_page(page=at.page, page_size=limit, sort="-updated_at")
        stamps = [_stamp(r) for r in page.records]
        known = [s for s in stamps if s is not None]
        ceiling = at.ceiling_ms
        if ceiling is None and known:
            ceiling = max(known)
        floor = to_ms(since) if since is not None else None
        # Records with an unreadable time are kept: validation quarantines them with a reason.
        kept = [r for r, s in zip(page.records, stamps, strict=True)
                if s is None or ((floor is None or s >= floor)
                                 and (ceiling is None or s <= ceiling))]
        reached_older = floor is not None and any(s < floor for s in known)
        shrunk = at.total - page.total if at.total is not None else 0
        if shrunk > 0:
            # Up to `shrunk` records moved towards page 1, past this page's start: read the
            # pages they may have moved onto again (duplicates, never a gap).
            back = max(1, at.page - math.ceil(shrunk / page.page_size))
            return SourcePage(kept, Position(back, ceiling, page.total, at.rewinds + 1).encode())
        if reached_older or page.is_last:
            return SourcePage(kept, None)
        return SourcePage(kept, Position(at.page + 1, ceiling, page.total, at.rewinds).encode())


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    async with LaksaClient(**http_kwargs(settings.laksa, "laksa", transports)) as client:
        yield LaksaSource(client)
