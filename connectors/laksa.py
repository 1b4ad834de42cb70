"""Laksa (Kota Tangerang) client: page-number paged reports, newest or oldest first.

Records come back RAW (decoded JSON values, not validated): the hub validates each one against
``schemas/laksa.raw.json`` and quarantines the bad ones, so a record with wrong types must reach
it rather than fail the page here. Only the envelope (``data``, ``page``, ``page_size``,
``total``) is checked, and a page that is not the one asked for is a malformed answer.

Page numbers are not a position: records updated between two fetches shift the pages. This client
only fetches what it is asked; how to page safely over a changing list is the caller's choice
(the hub pages newest first, see ``hub/sources/laksa.py``).

``follow_up`` is the (assumed) officer's write: a status with a note to the citizen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.bodies import BadShape, data_page, json_body
from connectors.http import BaseClient, Call

Sort = Literal["updated_at", "-updated_at"]
Status = Literal["menunggu", "proses", "selesai"]
MAX_PAGE_SIZE = 200  # the server answers 422 above this


class LaksaPage(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    records: list[Any]
    page: int
    page_size: int
    total: int

    @property
    def is_last(self) -> bool:
        """No page after this one, going by the total the server reported with it."""
        return not self.records or self.page * self.page_size >= self.total


class LaksaClient(BaseClient):
    """Typed client of Laksa. Use as ``async with LaksaClient(...) as laksa:``."""

    system = "laksa"

    async def fetch_page(self, *, page: int, page_size: int = 50,
                         sort: Sort = "-updated_at") -> LaksaPage:
        """Page ``page`` (1-based) of ``page_size`` reports (capped at the server's maximum)."""
        if page < 1:
            raise ValueError("page numbers start at 1")
        size = max(1, min(page_size, MAX_PAGE_SIZE))

        def parse(response: httpx.Response, call: Call) -> LaksaPage:
            return _parse_page(response, page)

        return await self.call("GET", "/api/laporan",
                               params={"page": page, "page_size": size, "sort": sort},
                               idempotent=True, parse=parse)

    async def iter_pages(self, *, page_size: int = 50, sort: Sort = "-updated_at",
                         start: int = 1) -> AsyncIterator[LaksaPage]:
        """Pages ``start``, ``start + 1``, ... until the last; each fetched only when asked for."""
        page = start
        while True:
            current = await self.fetch_page(page=page, page_size=page_size, sort=sort)
            yield current
            if current.is_last:
                return
            page += 1

    async def follow_up(self, id: str, status: Status, catatan: str, oleh: str) -> Any:
        """``POST /api/laporan/{id}/tindak-lanjut`` (assumed); returns the updated record, raw.

        Not idempotent, the Sambat ``reply`` choice rather than the Sikesal ``update_status`` one:
        the status part would converge if sent twice, but every call also appends ``catatan`` to
        the report's ``tindak_lanjut``, which the citizen reads in the app. So it is retried only
        when nothing was sent (429, no connection); an uncertain outcome is an
        ``AmbiguousWriteError``: the next pull shows whether it landed; it is never sent again
        blindly (the reconcile engine records it as an issue instead).
        """
        return await self.call("POST", "/api/laporan/{id}/tindak-lanjut", path_params={"id": id},
                               json={"status": status, "catatan": catatan, "oleh": oleh},
                               idempotent=False, parse=_parse_record)


def _parse_page(response: httpx.Response, asked: int) -> LaksaPage:
    body, records = data_page(response)
    numbers = {name: body.get(name) for name in ("page", "page_size", "total")}
    # page and page_size start at 1; a zero page_size would make the paging never end.
    floor = {"page": 1, "page_size": 1, "total": 0}
    wrong = [name for name, value in numbers.items()
             if isinstance(value, bool) or not isinstance(value, int) or value < floor[name]]
    if wrong:
        raise BadShape(fields=wrong)
    if numbers["page"] != asked:
        raise BadShape("a different page than the one asked for", fields=["page"])
    return LaksaPage(records=records, page=asked, page_size=int(numbers["page_size"] or 1),
                     total=int(numbers["total"] or 0))


def _parse_record(response: httpx.Response, call: Call) -> Any:
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadShape(fields=["(root)"])
    return body
