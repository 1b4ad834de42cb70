"""Sambat (Kota Malang) client: the ``since_id`` changelog feed and replies to the citizen.

Records come back RAW (decoded JSON values, not validated): the hub validates each one against
``schemas/sambat.raw.json`` and quarantines the bad ones, so a record with wrong types must reach
it rather than fail the page here. Only the envelope (``data``, ``last_id``, ``more``) is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.bodies import BadShape, data_page, json_body
from connectors.errors import PagingLoopError
from connectors.http import BaseClient, Call

_FEED = "/api/sambat"


class FeedPage(BaseModel):
    """One page of the feed; ``last_id`` is where the next read starts, even on the last page."""

    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    records: list[Any]
    last_id: int
    more: bool


class SambatClient(BaseClient):
    """Typed client of Sambat. Use as ``async with SambatClient(...) as sambat:``."""

    system = "sambat"

    async def fetch_page(self, *, since_id: int | None, limit: int = 100) -> FeedPage:
        """Feed entries after ``since_id`` (``None``: from the start), at most ``limit``."""
        if since_id is not None and since_id < 0:
            raise ValueError("since_id must not be negative")
        return await self.call(
            "GET",
            _FEED,
            params={"since_id": since_id, "limit": limit},
            idempotent=True,
            parse=_parse_page,
        )

    async def iter_pages(self, *, since_id: int | None = None,
                         limit: int = 100) -> AsyncIterator[FeedPage]:
        """Follow the feed while ``more``, one page per step, fetched only when asked for.

        A page that announces more but does not move past the position it was asked for would
        be read forever: :class:`PagingLoopError` is raised before that page is handed over.
        """
        position = since_id
        while True:
            page = await self.fetch_page(since_id=position, limit=limit)
            if page.more and page.last_id <= (position or 0):
                raise PagingLoopError(system=self.system, method="GET", path=_FEED)
            yield page
            if not page.more:
                return
            position = page.last_id

    async def reply(self, id: str, isi: str, oleh: str) -> Any:
        """``POST /api/sambat/{id}/balasan``: answer the citizen; returns the report, raw.

        Not idempotent: Sambat keeps every reply and texts every one to an SMS sender, so an
        uncertain outcome is an ``AmbiguousWriteError`` to resolve by reading the report's
        ``balasan`` back from the feed, never by sending again.
        """
        return await self.call(
            "POST",
            _FEED + "/{id}/balasan",
            path_params={"id": id},
            json={"isi": isi, "oleh": oleh},
            idempotent=False,
            parse=_parse_record,
        )


def _parse_page(response: httpx.Response, call: Call) -> FeedPage:
    body, records = data_page(response)
    last_id = body.get("last_id")
    # bool is an int in Python; a feed position never is.
    if not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
        raise BadShape(fields=["last_id"])
    more = body.get("more")
    if not isinstance(more, bool):
        raise BadShape(fields=["more"])
    return FeedPage(records=records, last_id=last_id, more=more)


def _parse_record(response: httpx.Response, call: Call) -> Any:
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadShape(fields=["(root)"])
    return body
