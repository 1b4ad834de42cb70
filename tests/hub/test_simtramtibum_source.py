"""Day paging of the Simtramtibum source through the pull engine, against a pinned-clock simulator:
which days each run reads, and that versions changed across runs, midnight or clock skew are
never lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors.simtramtibum import SimtramtibumClient
from hub.core.settings import PROJECT_ROOT
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import CursorRow, TicketRow
from hub.mapping.loader import load_mapping
from hub.mapping.validation import RawValidator
from hub.sources.simtramtibum import DayPaging, SimtramtibumSource
from hub.sync.pull import PullResult, pull_channel
from simulators.clock import WIB, LogicalClock
from simulators.simtramtibum import DEFAULT_TOKEN, create_app

pytestmark = pytest.mark.anyio
START = datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
START_DAY = START.date()
MAPPING = load_mapping(PROJECT_ROOT / "mappings" / "simtramtibum.yaml",
                       PROJECT_ROOT / "schemas" / "mapping.schema.json")
VALIDATOR = RawValidator.from_file(PROJECT_ROOT / "schemas" / "simtramtibum.raw.json")


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on, noting the day each one asks for."""

    def __init__(self, inner: httpx.AsyncBaseTransport, days: list[str]) -> None:
        self.inner, self.days = inner, days

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.days.append(request.url.params["tanggal"])
        return await self.inner.handle_async_request(request)


@dataclass
class World:
    clock: LogicalClock
    client: httpx.AsyncClient  # admin access to the simulator
    transport: httpx.AsyncBaseTransport
    engine: Engine
    today: date = START_DAY
    requested: list[str] | None = None

    async def pull(self, page_size: int = 100, **paging: int) -> PullResult:
        self.requested = []
        recording = Recording(self.transport, self.requested)
        async with SimtramtibumClient("http://sim", token=SecretStr(DEFAULT_TOKEN),
                                      transport=recording, max_attempts=1) as client:
            source = SimtramtibumSource(client, DayPaging(**paging), today=lambda: self.today)
            return await pull_channel(self.engine, source, MAPPING, VALIDATOR,
                                      page_size=page_size, overlap_s=60)

    async def state(self) -> dict[str, str]:
        records = (await self.client.get("/_sim/state")).json()["records"]
        return {r["no_laporan"]: f"{int(r['revisi']):020d}" for r in records}

    async def churn(self, n: int) -> None:
        """``n`` reports change at the simulator's now (served while an export is read)."""
        await self.client.post("/_sim/faults", json={"churn_per_page": n, "seed": n})
        await self.client.get("/export.csv", params={"tanggal": "01/01/2020"})
        await self.client.post("/_sim/faults", json={"churn_per_page": 0})

    def stored(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return dict(session.exec(select(TicketRow.source_id, TicketRow.source_version)).all())


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
async def world(engine: Engine) -> AsyncIterator[World]:
    clock = LogicalClock(start=START)
    transport = httpx.ASGITransport(app=create_app(clock=clock))
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://sim",
                                 headers=headers) as client:
        await client.post("/_sim/seed", json={"n": 120, "seed": 3})
        yield World(clock, client, transport, engine)


def _days(first: date, last: date) -> list[str]:
    return [f"{first + timedelta(days=i):%d/%m/%Y}" for i in range((last - first).days + 1)]


async def test_first_run_reads_each_day_of_the_lookback_once_up_to_today(world: World) -> None:
    result = await world.pull(lookback_days=5)
    assert world.requested == _days(world.today - timedelta(days=5), world.today)
    assert result.pages == 6
    truth = await world.state()
    stored = world.stored()
    cutoff = world.today - timedelta(days=5)
    records = (await world.client.get("/_sim/state")).json()["records"]
    recent = {r["no_laporan"] for r in records
              if datetime.strptime(r["diperbarui"], "%d/%m/%Y %H:%M").date() >= cutoff}
    assert stored == {k: v for k, v in truth.items() if k in recent}
    with Session(world.engine) as session:
        cursor = session.get(CursorRow, "simtramtibum")
    assert cursor is not None and cursor.resume_token == "2026-11-19"  # yesterday: overlap


async def test_next_runs_reread_yesterday_and_today_and_catch_every_change(world: World) -> None:
    await world.pull(lookback_days=20)
    assert world.stored() == await world.state()
    await world.churn(4)  # changed today, after today's export was read
    second = await world.pull(lookback_days=20)
    assert world.requested == _days(world.today - timedelta(days=1), world.today)
    assert second.stored.updated == 4
    world.clock.advance(timedelta(days=1))  # midnight passes between runs
    await world.churn(3)
    world.today += timedelta(days=1)
    await world.pull(lookback_days=20)
    assert world.requested == _days(world.today - timedelta(days=2), world.today)
    assert world.stored() == await world.state()


async def test_a_host_clock_ahead_of_the_server_loses_nothing(world: World) -> None:
    world.today += timedelta(days=1)  # the hub already thinks it is tomorrow
    await world.pull(lookback_days=20)
    await world.churn(5)  # the server still writes these into its today
    await world.pull(lookback_days=20)
    assert world.requested == _days(START.date(), world.today)
    assert world.stored() == await world.state()


async def test_a_position_past_today_reads_today(world: World) -> None:
    await world.pull(lookback_days=1)
    world.today -= timedelta(days=3)  # the host clock was set back
    await world.pull(lookback_days=1)
    assert world.requested == _days(world.today, world.today)


async def test_a_day_bigger_than_a_page_is_stored_a_slice_at_a_time(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole-day export is never validated and mapped at once, and a failure in a later slice
    of a day leaves the position on that day: the next run reads it again and loses nothing."""
    import hub.sync.pull as pull_module

    slices: list[int] = []
    real = pull_module.process_records
    fail_at: int | None = 3  # the third slice that holds records

    def counting(records: list[Any], *args: Any) -> Any:
        if records:
            slices.append(len(records))
            if len(slices) == fail_at:
                raise RuntimeError("the host died in the middle of a day")
        return real(records, *args)

    monkeypatch.setattr(pull_module, "process_records", counting)
    with pytest.raises(RuntimeError, match="middle of a day"):
        await world.pull(page_size=3, lookback_days=20)
    assert world.requested
    failed_on = world.requested[-1]
    assert max(slices) == 3
    fail_at, slices[:] = None, []
    await world.pull(page_size=3, lookback_days=20)
    assert world.requested[0] == failed_on  # not the day after: that day is read again
    assert world.stored() == await world.state()
    assert max(slices) == 3
