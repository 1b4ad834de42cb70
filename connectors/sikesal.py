"""Sikesal (Kota Jambi) client: keyset-paged complaints and the status write-back.

Records come back RAW (decoded JSON values, not validated): the hub validates each one against
``schemas/sikesal.raw.json`` and quarantines the bad ones, so a record with wrong types must reach
it rather than fail the page here. Only the envelope (``data`` list, ``next_cursor``) is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.errors import PagingLoopError
from connectors.http import BadShape, BaseClient, Call, data_page, json_body


class RawPage(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    records: list[Any]
    next_cursor: str | None = None


class SikesalClient(BaseClient):
    """Typed client of Sikesal. Use as ``async with SikesalClient(...) as sikesal:``."""

    system = "sikesal"

    async def fetch_page(
        self, *, updated_since: datetime | None, cursor: str | None, limit: int = 100
    ) -> RawPage:
        """One page of records updated at or after ``updated_since``, from ``cursor`` on."""
        if updated_since is not None and updated_since.utcoffset() is None:
            raise ValueError("updated_since must be timezone-aware")
        return await self.call(
            "GET",
            "/pengaduan",
            params={
                "updated_since": updated_since.isoformat() if updated_since else None,
                "cursor": cursor,
                "limit": limit,
            },
            idempotent=True,
            parse=_parse_page,
        )

    async def iter_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> AsyncIterator[RawPage]:
        """Follow ``next_cursor`` until it is null, one page per step.

        The next page is fetched only when the caller asks for it, so a caller that stores a
        page before advancing never has its cursor moved past unstored data. A cursor that comes
        back a second time raises :class:`PagingLoopError` before its page is handed over.
        """
        seen: set[str] = {cursor} if cursor is not None else set()
        while True:
            page = await self.fetch_page(updated_since=updated_since, cursor=cursor, limit=limit)
            if page.next_cursor is not None and page.next_cursor in seen:
                raise PagingLoopError(system=self.system, method="GET", path="/pengaduan")
            yield page
            if page.next_cursor is None:
                return
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def update_status(self, id: str, status: str, catatan: str | None = None) -> Any:
        """``PATCH /pengaduan/{id}``; returns the updated record, raw.

        Retried like a read: it sets a value, so sending it twice converges to the same state.
        """
        return await self.call(
            "PATCH",
            "/pengaduan/{id}",
            path_params={"id": id},
            json={"status": status, "catatan": catatan},
            idempotent=True,
            parse=_parse_record,
        )


def _parse_page(response: httpx.Response, call: Call) -> RawPage:
    body, records = data_page(response)
    next_cursor = body.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str):
        raise BadShape(fields=["next_cursor"])
    return RawPage(records=records, next_cursor=next_cursor or None)


def _parse_record(response: httpx.Response, call: Call) -> Any:
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadShape(fields=["(root)"])
    return body
