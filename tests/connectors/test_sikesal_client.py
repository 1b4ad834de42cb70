"""SikesalClient: raw rows, envelope checks, id paging and loop detection, the answer script."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.errors import InvalidRequest, MalformedResponse, NotFound, PagingLoopError
from connectors.sikesal import Answer, RawPage, SikesalClient

pytestmark = pytest.mark.anyio


def page(records: list[Any], last_id: int, more: bool) -> httpx.Response:
    return httpx.Response(200, json={"data": records, "last_id": last_id, "more": more})


async def test_records_come_back_raw_even_with_wrong_types(
    scripted: Any, client_kwargs: Any
) -> None:
    bad = {"id_laporan": "123", "status_laporan": 3, "nik": None}
    script = scripted(page([bad, None, "x"], 5, True))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.fetch_page(after=0)
    assert got == RawPage(records=[bad, None, "x"], last_id=5, more=True)


async def test_fetch_page_sends_after_and_limit(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([], 40, False), page([], 0, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        await sikesal.fetch_page(after=40, limit=200)
        await sikesal.fetch_page(after=0)
    first, second = script.requests
    assert first.url.path == "/api/v1/laporan"
    assert dict(first.url.params) == {"after": "40", "limit": "200"}
    assert dict(second.url.params) == {"after": "0", "limit": "100"}


async def test_a_negative_position_is_refused_before_any_request(
        scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([], 0, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(ValueError, match="after"):
            await sikesal.fetch_page(after=-1)
    assert script.requests == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id_laporan": 1, "judul": "Jal',
        b"[]",
        b'{"last_id": 3, "more": false}',
        b'{"data": {"id_laporan": 1}, "last_id": 1, "more": false}',
        b'{"data": [], "last_id": "17", "more": false}',
        b'{"data": [], "last_id": -1, "more": false}',
        b'{"data": [], "last_id": 17, "more": "no"}',
        b'{"data": [], "last_id": true, "more": false}',
    ],
)
async def test_malformed_envelope_is_retried_like_a_5xx_then_raised(
    scripted: Any, client_kwargs: Any, sleeps: Any, body: bytes
) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with SikesalClient(**client_kwargs(script, max_attempts=3)) as sikesal:
        with pytest.raises(MalformedResponse) as caught:
            await sikesal.fetch_page(after=0)
    assert len(script.requests) == 3
    assert len(sleeps.waits) == 2
    assert "Jal" not in str(caught.value)


async def test_a_truncated_page_followed_by_a_good_one_succeeds(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(
        httpx.Response(200, content=b'{"data": [{"id_laporan"'),
        page([{"id_laporan": 1}], 1, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.fetch_page(after=0)
    assert got.records == [{"id_laporan": 1}]


async def test_iter_pages_follows_last_id_while_more(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([1], 1, True), page([2], 2, True), page([3], 3, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pages = [p async for p in sikesal.iter_pages(limit=1)]
    assert [p.records for p in pages] == [[1], [2], [3]]
    assert [r.url.params["after"] for r in script.requests] == ["0", "1", "2"]


async def test_iter_pages_fetches_the_next_page_only_when_asked(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1], 1, True), page([2], 2, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pages = sikesal.iter_pages()
        first = await anext(pages)
        assert first.last_id == 1
        assert len(script.requests) == 1
        await pages.aclose()


async def test_iter_pages_raises_when_more_is_announced_without_moving_on(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(page([1], 7, True), page([2], 7, True))
    seen: list[Any] = []
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(PagingLoopError) as caught:
            async for p in sikesal.iter_pages(after=5):
                seen.append(p.records)
    assert seen == [[1]]
    assert caught.value.system == "sikesal"


def _form(request: httpx.Request) -> dict[str, list[str]]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode())


async def test_answer_posts_form_fields_and_reads_success(
    scripted: Any, client_kwargs: Any
) -> None:
    ok = {"success": 1, "message": "Tanggapan berhasil dikirim"}
    script = scripted(httpx.Response(502), httpx.Response(200, json=ok),
                      httpx.Response(200, json=ok))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        got = await sikesal.answer(123, id_user="9", status_laporan="tanggapan",
                                   tanggapan_dinas="Sudah diperbaiki")
        await sikesal.answer(123, id_user="9", status_laporan="selesai")
    assert got == Answer(success=1, message="Tanggapan berhasil dikirim")
    request = script.requests[1]
    assert (request.method, request.url.path) == ("POST", "/api/v1/tanggapan")
    assert _form(request) == {"id_user": ["9"], "id_laporan": ["123"],
                              "status_laporan": ["tanggapan"],
                              "tanggapan_dinas": ["Sudah diperbaiki"]}
    # No text: the field is not sent, so the script leaves the OPD's answer as it is.
    assert _form(script.requests[2]) == {"id_user": ["9"], "id_laporan": ["123"],
                                         "status_laporan": ["selesai"]}
    assert len(script.requests) == 3


@pytest.mark.parametrize(("message", "error"), [
    ("Laporan tidak ditemukan", NotFound),
    ("Status laporan tidak valid", InvalidRequest),
])
async def test_success_0_is_a_fatal_error_that_never_echoes_the_message(
        scripted: Any, client_kwargs: Any, message: str, error: type[Exception]) -> None:
    script = scripted(httpx.Response(200, json={"success": 0, "message": message}))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        with pytest.raises(error) as caught:
            await sikesal.answer(5, id_user="9", status_laporan="selesai")
    assert len(script.requests) == 1  # refused: not retried
    assert message not in str(caught.value)


@pytest.mark.parametrize("body", [b'{"message": "ok"}', b'{"success": "1", "message": "ok"}',
                                  b'{"success": true, "message": "ok"}', b"<html>"])
async def test_an_unreadable_answer_is_malformed(scripted: Any, client_kwargs: Any, sleeps: Any,
                                                 body: bytes) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with SikesalClient(**client_kwargs(script, max_attempts=2)) as sikesal:
        with pytest.raises(MalformedResponse):
            await sikesal.answer(5, id_user="9", status_laporan="selesai")
    assert len(script.requests) == 2


async def test_client_closes_its_http_client_on_exit(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(page([], 0, False))
    async with SikesalClient(**client_kwargs(script)) as sikesal:
        pass
    assert sikesal._client.is_closed
