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

from connectors.errors import CapabilityUnavailable
from connectors.http import BaseClient, Call, model_parser
from connectors.lapor_api import (
    LaporCapabilities,
    LaporChange,
    LaporChangesPage,
    LaporCreated,
    LaporPelapor,
    LaporRefList,
    LaporReportIn,
    LaporReportRef,
    LaporSearch,
    LaporStatus,
    LaporTindakLanjut,
)

__all__ = [
    "LaporChange",
    "LaporChangesPage",
    "LaporClient",
    "LaporCreated",
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
        adapter="json", lookup_by_origin=True, change_feed=True, follow_up=True, search=False,
        routing=True)

    async def create_report(self, report: LaporReportIn) -> LaporCreated:
        """Create one report. Retried only after 429 or a failed connect (nothing sent).

        Raises ``AmbiguousWriteError`` when the request may have been applied (look it up with
        :meth:`find_reports`), ``InvalidRequest`` (``fields``) on 422.
        """
        body = report.model_dump(mode="json")
        if body["instansi_tujuan"] is None:
            del body["instansi_tujuan"]  # an unrouted report is sent without it
        return await self.call(
            "POST",
            "/laporan",
            json=body,
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


    async def search_reports(self, query: LaporSearch) -> list[LaporReportRef]:
        """Not in the assumed ``/api/v1`` contract (yet): unavailable, never faked."""
        raise CapabilityUnavailable("no search in the assumed LAPOR! API", system=self.system)

    async def check(self) -> None:
        await self.find_reports(sumber="lapor-hub", ref_eksternal="config-check")


def _ignore_body(response: httpx.Response, call: Call) -> None:
    return None
