"""SikesalClient: raw records, envelope checks, cursor following and loop detection."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from connectors.errors import MalformedResponse, PagingLoopError
from connectors.sikesal import RawPage, SikesalClient

pytestmark = pytest.mark.anyio

WIB = timezone(timedelta(hours=7))


def page(records: list[Any], next_cursor: str | None) -> httpx.Response:
    return httpx.Response(200, json={"data": records, "next_cursor": next_cursor})


async def test_records_come_back_raw_even_with_wrong_types(
    scripted: Any, client_kwargs: Any
) -> None:
    bad = {"id": 123, "versi": "tiga", "pelapor": "not an object"}
    script = scripted(page([bad, None, "x"], "c1"))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.fetch_page(updated_since=None, cursor=None)
    assert got == RawPage(records=[bad, None, "x"], next_cursor="c1")


async def test_fetch_page_sends_the_window_cursor_and_limit(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([], None))
    since = datetime(2026, 11, 20, 9, 10, 0, 123456, tzinfo=WIB)
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        await sikesal.fetch_page(updated_since=since, cursor="abc", limit=200)
        await sikesal.fetch_page(updated_since=None, cursor=None)
    first, second = script.requests
    assert first.url.path == "/api/v1/pengaduan"
    assert dict(first.url.params) == {
        "updated_since": "2026-11-20T09:10:00.123456+07:00",
        "cursor": "abc",
        "limit": "200",
    }
    assert b"%2B07%3A00" in first.url.query  # a bare "+" would be read as a space
    assert dict(second.url.params) == {"limit": "100"}


async def test_naive_updated_since_is_refused(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([], None))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(ValueError, match="timezone"):
            await sikesal.fetch_page(updated_since=datetime(2026, 11, 20), cursor=None)
    assert script.requests == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": "SKL-000001", "judul": "Jal',
        b"[]",
        b'{"next_cursor": null}',
        b'{"data": {"id": "SKL-1"}, "next_cursor": null}',
        b'{"data": [], "next_cursor": 17}',
    ],
)
async def test_malformed_envelope_is_retried_like_a_5xx_then_raised(
    scripted: Any, client_kwargs: Any, sleeps: Any, body: bytes
) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with SikesalClient(**client_kwargs(script, max_attempts=3)) as sikesal:
        with pytest.raises(MalformedResponse) as caught:
            await sikesal.fetch_page(updated_since=None, cursor=None)
    assert len(script.requests) == 3
    assert len(sleeps.waits) == 2
    assert "SKL-" not in str(caught.value)


async def test_a_truncated_page_followed_by_a_good_one_succeeds(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(
        httpx.Response(200, content=b'{"data": [{"id"'), page([{"id": "SKL-1"}], None)
    )
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.fetch_page(updated_since=None, cursor=None)
    assert got.records == [{"id": "SKL-1"}]


async def test_iter_pages_follows_next_cursor_until_null(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([1], "c1"), page([2], "c2"), page([3], None))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pages = [p async for p in sikesal.iter_pages(limit=1)]
    assert [p.records for p in pages] == [[1], [2], [3]]
    assert [r.url.params.get("cursor") for r in script.requests] == [None, "c1", "c2"]


async def test_iter_pages_fetches_the_next_page_only_when_asked(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1], "c1"), page([2], None))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pages = sikesal.iter_pages()
        first = await anext(pages)
        assert first.next_cursor == "c1"
        assert len(script.requests) == 1
        await pages.aclose()


async def test_iter_pages_raises_on_a_repeated_cursor_before_yielding_that_page(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1], "c1"), page([2], "c2"), page([3], "c1"))
    seen: list[Any] = []
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(PagingLoopError) as caught:
            async for p in sikesal.iter_pages():
                seen.append(p.records)
    assert seen == [[1], [2]]
    assert "c1" not in str(caught.value)
    assert caught.value.system == "sikesal"


async def test_iter_pages_treats_the_starting_cursor_as_seen(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1], "start"))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(PagingLoopError):
            async for _ in sikesal.iter_pages(cursor="start"):
                pass


async def test_update_status_patches_and_returns_the_raw_record(
    scripted: Any, client_kwargs: Any
) -> None:
    record = {"id": "SKL-000123", "status": "selesai", "versi": 4}
    script = scripted(httpx.Response(502), httpx.Response(200, json=record))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.update_status("SKL-000123", "selesai", "Sudah diperbaiki")
    assert got == record
    request = script.requests[-1]
    assert (request.method, request.url.path) == ("PATCH", "/api/v1/pengaduan/SKL-000123")
    assert json.loads(request.content) == {"status": "selesai", "catatan": "Sudah diperbaiki"}
    assert len(script.requests) == 2


async def test_client_closes_its_http_client_on_exit(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([], None))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pass
    assert sikesal._client.is_closed
