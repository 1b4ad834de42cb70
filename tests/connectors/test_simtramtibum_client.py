"""SimtramtibumClient: the day's CSV as raw records; unreadable lines kept for quarantine."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from connectors.errors import AuthError, MalformedResponse
from connectors.simtramtibum import COLUMNS, SimtramtibumClient

pytestmark = pytest.mark.anyio

HEADER = ";".join(COLUMNS)
GOOD = ("STB-000001;2;18/11/2026;18/11/2026 15:49;19/11/2026 07:36;Kauman;Pekalongan Timur;PKL;"
        "PKL di trotoar;\"Pedagang; di trotoar \"\"Jl. Merdeka\"\"\";Jl. Merdeka RT 01;"
        "198001012005011001;Budi Santoso;Kasi Trantib Kelurahan Kauman;dilaporkan")


def csv_response(*lines: str | bytes, end: bytes = b"\r\n", status: int = 200) -> httpx.Response:
    body = end.join(line.encode() if isinstance(line, str) else line for line in lines) + end
    return httpx.Response(status, content=body, headers={"content-type": "text/csv"})


async def test_lines_become_raw_records_keyed_by_the_header(scripted: Any,
                                                            client_kwargs: Any) -> None:
    script = scripted(csv_response("\ufeff" + HEADER, GOOD, ""))
    async with SimtramtibumClient(**client_kwargs(script)) as client:
        export = await client.fetch_day(date(2026, 11, 19))
    (request,) = script.requests
    assert request.url.path == "/api/v1/export.csv"
    assert dict(request.url.params) == {"tanggal": "19/11/2026"}
    (record,) = export.records
    assert record["uraian"] == 'Pedagang; di trotoar "Jl. Merdeka"'
    assert record["revisi"] == "2" and record["nip_pelapor"] == "198001012005011001"
    assert list(record) == list(COLUMNS)


async def test_unreadable_lines_become_records_naming_the_line_and_the_fault(
        scripted: Any, client_kwargs: Any) -> None:
    short = ";".join(GOOD.split(";")[:9])
    undecodable = GOOD.encode().replace(b"Kauman;", b"Kaum\xe9n;", 1)
    quoting = GOOD.replace(";PKL di trotoar;", ';"PKL di trotoar;', 1)
    script = scripted(csv_response(HEADER, GOOD, short, undecodable, quoting))
    async with SimtramtibumClient(**client_kwargs(script)) as client:
        records = (await client.fetch_day(date(2026, 11, 19))).records
    good, cut, bad_bytes, bad_quotes = records
    assert good["no_laporan"] == "STB-000001"
    assert cut == {"_baris": 3, "_galat": f"expected {len(COLUMNS)} columns, got 9",
                   "_teks": short, "no_laporan": "STB-000001"}
    assert bad_bytes["_baris"] == 4 and bad_bytes["_galat"] == "line is not valid UTF-8"
    assert "\ufffd" in bad_bytes["_teks"] and bad_bytes["no_laporan"] == "STB-000001"
    assert bad_quotes == {"_baris": 5, "_galat": "unreadable CSV quoting", "_teks": quoting,
                          "no_laporan": "STB-000001"}
    # The reason is a fixed phrase: nothing of the line (NIP, name) leaks into it.
    assert all("1980" not in r.get("_galat", "") for r in records)


async def test_a_body_cut_mid_line_is_retried_then_malformed(scripted: Any,
                                                              client_kwargs: Any) -> None:
    cut = httpx.Response(200, content=(HEADER + "\r\n" + GOOD[:40]).encode())
    script = scripted(cut, csv_response(HEADER, GOOD))
    async with SimtramtibumClient(**client_kwargs(script)) as client:
        export = await client.fetch_day(date(2026, 11, 19))
    assert len(script.requests) == 2 and len(export.records) == 1
    always_cut = scripted(cut)
    async with SimtramtibumClient(**client_kwargs(always_cut)) as client:
        with pytest.raises(MalformedResponse, match="cut short"):
            await client.fetch_day(date(2026, 11, 19))


async def test_a_header_without_required_columns_is_malformed(scripted: Any,
                                                              client_kwargs: Any) -> None:
    script = scripted(csv_response(HEADER.replace("nip_pelapor", "nip"), GOOD))
    async with SimtramtibumClient(**client_kwargs(script, max_attempts=1)) as client:
        with pytest.raises(MalformedResponse, match="nip_pelapor"):
            await client.fetch_day(date(2026, 11, 19))


async def test_empty_day_and_auth_failure(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(csv_response(HEADER), httpx.Response(401, json={"detail": "invalid token"}))
    async with SimtramtibumClient(**client_kwargs(script)) as client:
        assert (await client.fetch_day(date(2026, 11, 19))).records == []
        with pytest.raises(AuthError):
            await client.fetch_day(date(2026, 11, 20))
