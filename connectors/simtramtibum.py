"""Simtramtibum / Sistramas (Kota Pekalongan, Satpol PP) client: one day's CSV export at a time.

``GET /export.csv?tanggal=dd/mm/yyyy`` answers ``;``-separated UTF-8 text with a header row and one
report per physical line. Records come back RAW: a dict of strings keyed by the header, not
validated, so the hub's raw schema decides what is acceptable.

A line this client cannot read (not UTF-8, broken quoting, wrong column count) is neither dropped
nor allowed to fail the whole day: it becomes a record the raw schema rejects,
``{"_baris": line number, "_galat": what is wrong, "_teks": the line}`` (plus ``no_laporan`` when
the first field still looks like a report number), so the hub quarantines it with the line. Only
what makes the whole body unusable raises (via :class:`BadShape` → ``MalformedResponse``, retried):
no header, a required column missing from the header, or a body cut off in the middle of a line.
``_galat`` is a fixed phrase with counts only: it never quotes the line, which holds NIPs and names.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.bodies import BadShape
from connectors.http import BaseClient, Call

COLUMNS = ("no_laporan", "revisi", "tanggal", "dilaporkan", "diperbarui", "kelurahan",
           "kecamatan", "kategori", "perihal", "uraian", "lokasi", "nip_pelapor",
           "nama_pelapor", "jabatan_pelapor", "status")
ID_COLUMN = "no_laporan"
_ID = re.compile(r"[A-Z]{2,6}-[0-9]{1,10}")
_BOM = "\ufeff"

RawRecord = dict[str, Any]


class DayExport(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    tanggal: date
    records: list[RawRecord]


class SimtramtibumClient(BaseClient):
    """Typed client of Simtramtibum. Use as ``async with SimtramtibumClient(...) as client:``."""

    system = "simtramtibum"

    async def fetch_day(self, tanggal: date) -> DayExport:
        """Every report whose last update falls on ``tanggal`` (WIB), at its current version."""

        def parse(response: httpx.Response, call: Call) -> DayExport:
            return DayExport(tanggal=tanggal, records=parse_export(response.content))

        return await self.call("GET", "/export.csv", params={"tanggal": f"{tanggal:%d/%m/%Y}"},
                               idempotent=True, parse=parse)


def parse_export(body: bytes) -> list[RawRecord]:
    """The records of one export; unreadable lines as ``_galat`` records (see module doc)."""
    if not body.endswith(b"\n"):
        # Every line, the last included, ends with a line break: without one the body was cut.
        raise BadShape("export cut short: the last line has no line end")
    lines = body.split(b"\n")[:-1]
    header = _header(lines[0])
    records: list[RawRecord] = []
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.removesuffix(b"\r")
        if line.strip():
            records.append(_record(number, line, header))
    return records


def _header(line: bytes) -> list[str]:
    try:
        text = line.removesuffix(b"\r").decode("utf-8").removeprefix(_BOM)
        names = [n.strip() for n in next(csv.reader([text], delimiter=";", strict=True))]
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise BadShape("export has no readable header row") from None
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise BadShape("export header lacks required columns", fields=missing)
    if len(set(names)) != len(names):
        raise BadShape("export header repeats a column")
    return names


def _record(number: int, line: bytes, header: list[str]) -> RawRecord:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return _broken(number, line.decode("utf-8", errors="replace"), "line is not valid UTF-8",
                       header)
    try:
        fields = next(csv.reader([text], delimiter=";", strict=True))
    except csv.Error:
        return _broken(number, text, "unreadable CSV quoting", header)
    if len(fields) != len(header):
        return _broken(number, text, f"expected {len(header)} columns, got {len(fields)}", header)
    return dict(zip(header, fields, strict=True))


def _broken(number: int, text: str, reason: str, header: list[str]) -> RawRecord:
    record: RawRecord = {"_baris": number, "_galat": reason, "_teks": text}
    # Naming the report lets the quarantine entry be found, and settled by its next good version.
    first = text.split(";")
    at = header.index(ID_COLUMN)
    if at < len(first) and _ID.fullmatch(first[at].strip().strip('"')):
        record[ID_COLUMN] = first[at].strip().strip('"')
    return record
