"""CSV export of any list the API serves: same rows, same role rules, one header line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

CSV = "text/csv"
# First cell of the last line when an export fails part-way (after the 200 went out).
ERROR_MARK = "#ERROR:"
log = structlog.get_logger(__name__)


def wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return CSV in request.headers.get("accept", "")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # A spreadsheet would run it as a formula; complaint text is untrusted input.
        return "'" + value
    return "" if value is None else value


def _lines(columns: list[str], rows: Iterable[BaseModel]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    written = 0
    try:
        for row in rows:
            data = row.model_dump()
            writer.writerow([_cell(data.get(c)) for c in columns])
            written += 1
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    except Exception as exc:  # noqa: BLE001  (the 200 is sent: the body must say it is cut)
        log.error("csv.export_failed", rows=written, error=type(exc).__name__)
        writer.writerow([f"{ERROR_MARK} the export stopped after {written} rows "
                         f"({type(exc).__name__}); this file is incomplete"])
    yield buffer.getvalue()


def csv_response(model: type[BaseModel], rows: Iterable[BaseModel], filename: str,
                 exclude: frozenset[str] = frozenset()) -> StreamingResponse:
    columns = [name for name in model.model_fields if name not in exclude]
    return StreamingResponse(_lines(columns, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
