"""SP4N-LAPOR! client (``/api/v1``, bearer token): create reports, look them up, read changes.

LAPOR! does not deduplicate, so :meth:`LaporClient.create_report` is never retried once the request
may have reached the server: it raises :class:`~connectors.errors.AmbiguousWriteError` and the
caller resolves it with :meth:`LaporClient.find_reports`. Shapes: ``docs/wire-contract.md``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from connectors.http import BaseClient, Call, model_parser


class LaporStatus(StrEnum):
    """LAPOR!'s statuses. Response models keep ``status: str`` so that a status LAPOR! adds later
    reaches the hub's mapping (and its quarantine) instead of failing the whole page here."""

    BELUM_TERVERIFIKASI = "belum_terverifikasi"
    TERVERIFIKASI = "terverifikasi"
    TINDAK_LANJUT = "tindak_lanjut"
    SELESAI = "selesai"
    DITUNDA = "ditunda"
    BUKAN_WEWENANG = "bukan_wewenang"
    DIARSIPKAN = "diarsipkan"


def _id_text(value: object) -> object:
    """LAPOR!'s ids are plain numbers (``1916449``), sent as JSON numbers or as digit strings:
    both are kept as text, so a 201 with numeric ids is never an unreadable (ambiguous) write."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


# The ledger keeps them in 32 characters.
LaporId = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=32)]


class _Model(BaseModel):
    # Validation errors must not echo personal data into logs.
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)


class LaporPelapor(_Model):
    nama: str = Field(repr=False)
    nik: str | None = Field(default=None, repr=False)
    email: str | None = Field(default=None, repr=False)
    telepon: str | None = Field(default=None, repr=False)
    terverifikasi: bool = False


class LaporReportIn(_Model):
    """The body of ``POST /laporan``."""

    judul: str = Field(min_length=1, max_length=200)
    isi: str = Field(min_length=1)
    klasifikasi: Literal["pengaduan", "aspirasi", "permintaan_informasi"]
    # A LAPOR! topic id (digits), as its data API lists topics.
    kategori: str = Field(pattern=r"^[0-9]{1,9}$")
    # None: not sent at all; LAPOR!'s admins dispose the report.
    instansi_tujuan: str | None = Field(default=None, min_length=1)
    lokasi: str | None = None
    lat: float | None = None
    lng: float | None = None
    tanggal_kejadian: datetime | None = None
    rahasia: bool = False
    anonim: bool = False
    pelapor: LaporPelapor | None = None
    sumber: str
    ref_eksternal: str
    lampiran: list[str] = Field(default_factory=list)


class LaporCreated(_Model):
    tracking_id: LaporId
    transaksi_id: LaporId | None = None
    status: str


class LaporReportRef(_Model):
    tracking_id: LaporId
    transaksi_id: LaporId | None = None
    status: str
    sumber: str
    ref_eksternal: str
    dibuat: datetime


class LaporTindakLanjut(_Model):
    isi: str
    oleh: str
    waktu: datetime


class LaporChange(_Model):
    tracking_id: LaporId
    status: str
    instansi: str | None = None
    petugas: str | None = None
    tindak_lanjut: list[LaporTindakLanjut] = Field(default_factory=list)
    diperbarui: datetime
    cursor: str


class LaporChangesPage(_Model):
    data: list[LaporChange]
    next_cursor: str | None = None


class _RefList(_Model):
    data: list[LaporReportRef]


class LaporClient(BaseClient):
    """Typed client of SP4N-LAPOR!. Use as ``async with LaporClient(...) as lapor:``."""

    system = "lapor"

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
            parse=model_parser(_RefList),
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


def _ignore_body(response: httpx.Response, call: Call) -> None:
    return None
