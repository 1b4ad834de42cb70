"""Sikesal (Kota Jambi) client: rows of the ``laporan`` table by id, and the OPD answer script.

What is public fact and what is assumed (``docs/wire-contract.md``, Sikesal):

- Fact (the public PHP backend of ``newsikesal.jambikota.go.id``): the columns and values of
  ``laporan`` (integer ``id_laporan``, ``status_laporan`` ``baru``/``tanggapan``/``selesai``,
  naive WIB ``YYYY-MM-DD HH:MM:SS``, no updated-at column); the reporter's NIK lives on ``user``;
  the scripts take form fields with ``id_user`` as a parameter (no token) and answer
  ``{"success": 1, "message": "…"}``.
- Assumed: Jambi publishes no API, so the read side is a **read-only export** (or DB view) the
  city provides: ``GET /laporan?after=<id_laporan>&limit=<n>`` → ``{"data": [row…], "last_id",
  "more"}``, rows in ``id_laporan`` order joined with ``user.nik``/``user.nama`` and the
  ``lokasi`` names, behind a bearer token; the answer script's path (``POST /tanggapan``).

Rows come back RAW (decoded JSON values, not validated): the hub validates each one against
``schemas/sikesal.raw.json`` and quarantines the bad ones. Only the envelope is checked here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.bodies import BadShape, data_page, json_body
from connectors.errors import InvalidRequest, NotFound, PagingLoopError
from connectors.http import BaseClient, Call

EXPORT_PATH = "/laporan"
ANSWER_PATH = "/tanggapan"
# The one failure the answer script names that the hub can act on; any other is a refusal.
_NOT_FOUND = "laporan tidak ditemukan"


class RawPage(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    records: list[Any]
    last_id: int
    more: bool


class Answer(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    success: int
    message: str = ""


class SikesalClient(BaseClient):
    """Typed client of Sikesal. Use as ``async with SikesalClient(...) as sikesal:``."""

    system = "sikesal"

    async def fetch_page(self, *, after: int, limit: int = 100) -> RawPage:
        """Rows with ``id_laporan > after``, ascending, at most ``limit`` (plus duplicates)."""
        if after < 0:
            raise ValueError("after must be >= 0")
        return await self.call("GET", EXPORT_PATH, params={"after": after, "limit": limit},
                               idempotent=True, parse=_parse_page)

    async def iter_pages(self, *, after: int = 0, limit: int = 100) -> AsyncIterator[RawPage]:
        """Follow ``last_id`` while ``more``, one page per step, fetched only when asked for.

        A ``last_id`` that does not move forward while more is announced raises
        :class:`PagingLoopError` before its page is handed over.
        """
        while True:
            page = await self.fetch_page(after=after, limit=limit)
            if page.more and page.last_id <= after:
                raise PagingLoopError(system=self.system, method="GET", path=EXPORT_PATH)
            yield page
            if not page.more:
                return
            after = page.last_id

    async def answer(self, id_laporan: int, *, id_user: str, status_laporan: str,
                     tanggapan_dinas: str | None = None) -> Answer:
        """The OPD's answer: set ``status_laporan`` (and ``tanggapan_dinas`` when given).

        Form fields, as the real script takes them; a field not sent is left as it is. Retried
        like a read: it sets values, so sending it twice converges to the same row.
        """
        form = {"id_user": id_user, "id_laporan": str(id_laporan),
                "status_laporan": status_laporan}
        if tanggapan_dinas is not None:
            form["tanggapan_dinas"] = tanggapan_dinas
        return await self.call("POST", ANSWER_PATH, data=form, idempotent=True,
                               parse=_parse_answer)


def _parse_page(response: httpx.Response, call: Call) -> RawPage:
    body, records = data_page(response)
    last_id, more = body.get("last_id"), body.get("more")
    if isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0:
        raise BadShape(fields=["last_id"])
    if not isinstance(more, bool):
        raise BadShape(fields=["more"])
    return RawPage(records=records, last_id=last_id, more=more)


def _parse_answer(response: httpx.Response, call: Call) -> Answer:
    body = json_body(response)
    if not isinstance(body, dict) or body.get("success") not in (0, 1) \
            or isinstance(body.get("success"), bool) or not isinstance(body.get("message"), str):
        raise BadShape(fields=["success"])
    result = Answer(success=body["success"], message=body["message"])
    if result.success == 1:
        return result
    # The message is the script's own fixed text, but it is never echoed: a reason is a phrase.
    if result.message.strip().lower() == _NOT_FOUND:
        raise NotFound("laporan not found", status=response.status_code, **call.labels())
    raise InvalidRequest("answer refused (success 0)", status=response.status_code,
                         **call.labels())
