"""SP4N-LAPOR! client of the *assumed* JSON integration API (``/api/v1``, bearer token): create
reports, look them up, read changes, follow up. One adapter of ``connectors.lapor_api.LaporApi``.

LAPOR! does not deduplicate, so :meth:`LaporClient.create_report` is never retried once the request
may have reached the server: it raises :class:`~connectors.errors.AmbiguousWriteError` and the
caller resolves it with :meth:`LaporClient.find_reports`. Shapes: ``docs/wire-contract.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx

from connectors.bodies import model_parser
from connectors.http import BaseClient, Call
from connectors.lapor_api import (
    LaporCapabilities,
    LaporChange,
    LaporChangesPage,
    LaporCreated,
    LaporFound,
    LaporFoundPage,
    LaporPelapor,
    LaporRefList,
    LaporReportIn,
    LaporReportRef,
    LaporStatus,
    LaporTindakLanjut,
)

__all__ = [
    "LaporChange",
    "LaporChangesPage",
    "LaporClient",
    "LaporCreated",
    "LaporFound",
    "LaporPelapor",
    "LaporReportIn",
    "LaporReportRef",
    "LaporStatus",
    "LaporTindakLanjut",
]


class LaporClient(BaseClient):
    """Typed client of SP4N-LAPOR!. Use as ``async with LaporClient(...) as lapor:``."""

    system = "lapor"
    capabilities: ClassVar[LaporCapabilities] = LaporCapabilities(
        adapter="json", lookup_by_origin=True, change_feed=True, follow_up=True, search=True,
        routing=True)

    async def create_report(self, report: LaporReportIn) -> LaporCreated:
        """Create one report. Retried only after 429 or a failed connect (nothing sent).

        Raises ``AmbiguousWriteError`` when the request may have been applied (look it up with
        :meth:`find_reports`), ``InvalidRequest`` (``fields``) on 422.
        """
        # An unrouted report is sent without instansi_tujuan. pydantic encodes the body itself:
        # model_dump() and then the stdlib's json.dumps cost a tenth of the POST's client CPU.
        unrouted = {"instansi_tujuan"} if report.instansi_tujuan is None else None
        return await self.call(
            "POST",
            "/laporan",
            content=report.model_dump_json(exclude=unrouted).encode(),
            headers={"Content-Type": "application/json"},
            idempotent=False,
            parse=model_parser(LaporCreated),
        )

    async def find_reports(self, *, sumber: str, ref_eksternal: str) -> list[LaporReportRef]:
        """Every report LAPOR! holds from that origin, oldest first (empty when none)."""
        page = await self.call(
            "GET",
            "/laporan",
            params={"sumber": sumber, "ref_eksternal": ref_eksternal},
            idempotent=True,
            parse=model_parser(LaporRefList),
        )
        return page.data

    async def changes(self, *, since: str | None, limit: int = 100) -> LaporChangesPage:
        """Status changes after cursor ``since`` (None: from the beginning), in order."""
        return await self.call(
            "GET",
            "/laporan/perubahan",
            params={"sejak": since or "", "limit": limit},
            idempotent=True,
            parse=model_parser(LaporChangesPage),
        )

    async def add_follow_up(
        self, tracking_id: str, *, isi: str, status: str, oleh: str, waktu: datetime,
        petugas: str | None = None,
    ) -> None:
        """Post an agency follow-up. Not idempotent (a repeat adds a second entry), so it is
        retried only when nothing was sent; otherwise ``AmbiguousWriteError``. ``petugas`` (the
        responsible officer) is sent only when given."""
        body = {"isi": isi, "status": status, "oleh": oleh, "waktu": waktu.isoformat()}
        if petugas is not None:
            body["petugas"] = petugas
        await self.call(
            "POST",
            "/laporan/{tracking_id}/tindak-lanjut",
            path_params={"tracking_id": tracking_id},
            json=body,
            idempotent=False,
            parse=_ignore_body,
        )


    async def search_reports(self, *, sejak: datetime, sampai: datetime,
                             instansi: str | None = None, limit: int = 200) -> list[LaporFound]:
        """Every report created in ``[sejak, sampai]`` (aware datetimes), all pages, oldest
        first. Assumed endpoint ``GET /laporan/cari`` (docs/wire-contract.md)."""
        out: list[LaporFound] = []
        cursor = ""
        while True:
            params: dict[str, str | int | None] = {
                "sejak": sejak.isoformat(), "sampai": sampai.isoformat(), "cursor": cursor,
                "limit": limit, "instansi": instansi}
            page = await self.call("GET", "/laporan/cari", params=params, idempotent=True,
                                   parse=model_parser(LaporFoundPage))
            out += page.data
            if not page.next_cursor or not page.data:
                return out
            cursor = page.next_cursor

    async def check(self) -> None:
        await self.find_reports(sumber="lapor-hub", ref_eksternal="config-check")


def _ignore_body(response: httpx.Response, call: Call) -> None:
    return None
