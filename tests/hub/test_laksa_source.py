"""The Laksa source: newest-first page numbers, stop at ``since``, ceiling, and shrink rewind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.laksa import LaksaPage, Sort
from hub.sources.laksa import LaksaSource, Position, to_ms

pytestmark = pytest.mark.anyio
T0 = 1_790_000_000_000  # epoch ms


class FakeLaksa:
    """Serves ``stamps`` (one record each) newest first by page number; the list can change."""

    def __init__(self, stamps: list[int]) -> None:
        self.stamps = sorted(stamps, reverse=True)
        self.asked: list[tuple[int, int, str]] = []

    async def fetch_page(self, *, page: int, page_size: int = 50,
                         sort: Sort = "-updated_at") -> LaksaPage:
        self.asked.append((page, page_size, sort))
        start = (page - 1) * page_size
        chunk = self.stamps[start:start + page_size]
        return LaksaPage(records=[{"id": s, "updated_at": s} for s in chunk], page=page,
                         page_size=page_size, total=len(self.stamps))


def ids(records: list[Any]) -> list[int]:
    return [r["id"] for r in records]


async def test_reads_newest_first_until_the_list_ends() -> None:
    fake = FakeLaksa([T0 + i for i in range(5)])
    source = LaksaSource(fake)
    first = await source.fetch(since=None, resume=None, limit=2)
    assert ids(first.records) == [T0 + 4, T0 + 3] and first.has_more
    second = await source.fetch(since=None, resume=first.resume, limit=2)
    last = await source.fetch(since=None, resume=second.resume, limit=2)
    assert ids(last.records) == [T0] and not last.has_more and last.resume is None
    assert {sort for _, _, sort in fake.asked} == {"-updated_at"}


async def test_stops_at_the_page_that_reaches_older_than_since_and_drops_those() -> None:
    fake = FakeLaksa([T0 + i * 1000 for i in range(10)])
    since = datetime.fromtimestamp((T0 + 6000) / 1000, tz=UTC)
    source = LaksaSource(fake)
    first = await source.fetch(since=since, resume=None, limit=3)
    second = await source.fetch(since=since, resume=first.resume, limit=3)
    assert ids(first.records) == [T0 + 9000, T0 + 8000, T0 + 7000]
    assert ids(second.records) == [T0 + 6000]  # inclusive; 5000 and 4000 are older
    assert not second.has_more and len(fake.asked) == 2


async def test_records_updated_during_the_run_are_left_for_the_next_run() -> None:
    fake = FakeLaksa([T0 + i for i in range(6)])
    source = LaksaSource(fake)
    first = await source.fetch(since=None, resume=None, limit=3)
    # Five updates jump to the top; page 2 now holds two of them and the untouched oldest.
    fake.stamps = sorted([T0 + 100 + i for i in range(5)] + [T0], reverse=True)
    second = await source.fetch(since=None, resume=first.resume, limit=3)
    assert ids(second.records) == [T0]  # the others are newer than the ceiling (T0 + 5)
    assert Position.decode(str(first.resume)).ceiling_ms == T0 + 5 and second.resume is None


async def test_a_shrinking_list_steps_back_so_no_record_is_skipped() -> None:
    fake = FakeLaksa([T0 + i for i in range(9)])
    source = LaksaSource(fake)
    first = await source.fetch(since=None, resume=None, limit=3)
    fake.stamps.remove(T0 + 8)  # a moderator removed a post: the rest move towards page 1
    second = await source.fetch(since=None, resume=first.resume, limit=3)
    assert ids(second.records) == [T0 + 4, T0 + 3, T0 + 2]  # T0 + 5 moved onto page 1
    back = Position.decode(str(second.resume))
    assert back.page == 1 and back.total == 8 and back.rewinds == 1
    seen = set(ids(first.records) + ids(second.records))
    resume = second.resume
    while resume is not None:
        page = await source.fetch(since=None, resume=resume, limit=3)
        seen |= set(ids(page.records))
        resume = page.resume
    assert seen >= set(fake.stamps)


async def test_malformed_times_pass_through_for_validation_and_do_not_stop_paging() -> None:
    class Broken(FakeLaksa):
        async def fetch_page(self, *, page: int, page_size: int = 50,
                             sort: Sort = "-updated_at") -> LaksaPage:
            got = await super().fetch_page(page=page, page_size=page_size, sort=sort)
            return got.model_copy(update={"records": [{"id": 1, "updated_at": "kemarin"},
                                                      *got.records]})

    since = datetime.fromtimestamp((T0 + 1) / 1000, tz=UTC)
    page = await LaksaSource(Broken([T0 + 5, T0 + 4])).fetch(since=since, resume=None, limit=2)
    assert page.records[0]["updated_at"] == "kemarin" and len(page.records) == 3


def test_position_token_round_trips_and_rejects_garbage() -> None:
    at = Position(4, T0, 120, 1)
    assert Position.decode(at.encode()) == at
    assert Position.decode(Position().encode()) == Position()
    with pytest.raises(ValueError, match="unreadable"):
        Position.decode("halaman-4")


def test_to_ms_rounds_down_within_a_millisecond() -> None:
    assert to_ms(datetime(2026, 11, 20, 3, 0, 0, 999, tzinfo=UTC)) == to_ms(
        datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
