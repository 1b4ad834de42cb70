"""Simtramtibum (Kota Pekalongan): one page per day of the daily CSV export, up to today.

The export of day D lists the reports whose last update falls on D, at their current version;
an update moves a report to the export of the day it happens (docs/wire-contract.md). So past
days only lose lines, and a reader loses nothing if it re-reads from the day it last read:

- ``resume`` is the next day to read (ISO ``yyyy-mm-dd``). A page before today says
  ``more=True`` with the following day; today's page says ``more=False`` and resumes at
  ``today - overlap_days``, so the next run re-reads today (still filling) and, by default, the
  day before it as well: if this host's clock runs ahead of Satpol PP's around midnight, lines
  the server still writes into "its" today are read next time. The ledger deduplicates by
  ``revisi``, so a re-read costs a request, not a duplicate.
- A first run (no position stored) starts at the day of the engine's ``since`` (watermark minus
  its overlap) or, with no watermark either, ``lookback_days`` before today.
- A report updated while the days are being read moves to today, which this run or the next
  reads; a day is never skipped, because the position only moves with a stored page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.simtramtibum import SimtramtibumClient
from hub.core.clients import Transports, http_kwargs
from hub.core.settings import Settings
from hub.sources.page import Source, SourcePage

WIB = timezone(timedelta(hours=7), "WIB")
Today = Callable[[], date]


class DayPaging(BaseSettings):
    """``LAPOR_HUB_SIMTRAMTIBUM_LOOKBACK_DAYS`` / ``..._OVERLAP_DAYS`` (single ``_``: not the
    ``LAPOR_HUB_SIMTRAMTIBUM__`` connection settings)."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_HUB_SIMTRAMTIBUM_", extra="ignore")

    lookback_days: int = Field(default=30, ge=0)
    overlap_days: int = Field(default=1, ge=0)


def wib_today() -> date:
    return datetime.now(WIB).date()


class SimtramtibumSource:
    def __init__(self, client: SimtramtibumClient, paging: DayPaging | None = None,
                 today: Today = wib_today) -> None:
        self._client = client
        self._paging = paging or DayPaging()
        self._today = today

    def first_day(self, since: datetime | None, resume: str | None) -> date:
        today = self._today()
        if resume is not None:
            day = date.fromisoformat(resume)
        elif since is not None:
            day = since.astimezone(WIB).date()
        else:
            day = today - timedelta(days=self._paging.lookback_days)
        # A position past today (this clock was moved back) would skip today: read today.
        return min(day, today)

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage:
        # ``limit`` does not apply: the export is one day, whole (dozens of lines on a normal
        # day; the pull engine stores a bigger one in slices of ``limit``).
        day = self.first_day(since, resume)
        export = await self._client.fetch_day(day)
        today = self._today()
        if day < today:
            return SourcePage(records=export.records, resume=(day + timedelta(days=1)).isoformat(),
                              more=True)
        again = today - timedelta(days=self._paging.overlap_days)
        return SourcePage(records=export.records, resume=again.isoformat(), more=False)


@asynccontextmanager
async def open_source(settings: Settings, transports: Transports | None) -> AsyncIterator[Source]:
    kwargs = http_kwargs(settings.simtramtibum, "simtramtibum", transports)
    async with SimtramtibumClient(**kwargs) as client:
        yield SimtramtibumSource(client)
