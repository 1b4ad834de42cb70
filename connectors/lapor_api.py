"""The one seam between the hub and SP4N-LAPOR!: the models both sides speak and ``LaporApi``.

Everything the hub needs from LAPOR! goes through :class:`LaporApi`: file a report, look reports
up by their origin, search them, read the change feed, send a follow-up (tindak lanjut). Two
adapters implement it, chosen per deployment in settings (``lapor.adapter``):

- ``connectors.lapor.LaporClient`` (``json``): the *assumed* integration API under ``/api/v1``
  (LAPOR!'s current API is private: paths, statuses, feed and follow-ups are our assumption).
- ``connectors.lapor_legacy.LaporLegacyClient`` (``legacy_xml``): the *public* legacy API
  (``POST /api/stream/addstream``, XML, token on the root element) — intake only.

What an adapter cannot do is in :attr:`LaporApi.capabilities`; calling it anyway raises
:class:`~connectors.errors.CapabilityUnavailable` (never a faked answer). Callers check the flags
first: the push parks an ambiguous write it cannot look up, the reconcile round skips the feed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Annotated, Literal, Protocol, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


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


class LaporRefList(_Model):
    data: list[LaporReportRef]


class LaporFound(_Model):
    """A report as a search serves it (reports filed by others, e.g. by a city's own link): no
    reporter; one a city's link filed may carry no reference (``sumber``/``ref_eksternal``)."""

    tracking_id: LaporId
    transaksi_id: LaporId | None = None
    status: str
    sumber: str | None = None
    ref_eksternal: str | None = None
    judul: str = ""
    isi: str = ""
    instansi: str | None = None
    lokasi: str | None = None
    lat: float | None = None
    lng: float | None = None
    dibuat: datetime


class LaporFoundPage(_Model):
    data: list[LaporFound]
    next_cursor: str | None = None


class LaporCapabilities(_Model):
    """What an adapter can do; the hub never fakes what is missing."""

    adapter: str
    lookup_by_origin: bool  # find_reports(sumber, ref_eksternal): resolves ambiguous writes
    change_feed: bool  # changes(): LAPOR!'s statuses and follow-ups back to the hub
    follow_up: bool  # add_follow_up(): the channel's answers to LAPOR!
    search: bool  # search_reports()
    routing: bool  # kategori and instansi_tujuan reach LAPOR! as fields


class LaporApi(Protocol):
    """Everything the hub needs from SP4N-LAPOR! (``async with`` opens and closes it)."""

    @property
    def capabilities(self) -> LaporCapabilities: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None: ...

    async def create_report(self, report: LaporReportIn) -> LaporCreated:
        """File one report; never retried once it may have arrived (``AmbiguousWriteError``)."""
        ...

    async def find_reports(self, *, sumber: str, ref_eksternal: str) -> list[LaporReportRef]:
        """Every report LAPOR! holds from that origin, oldest first."""
        ...

    async def search_reports(self, *, sejak: datetime, sampai: datetime,
                             instansi: str | None = None, limit: int = 200) -> list[LaporFound]:
        """Every report created in ``[sejak, sampai]``, whoever filed it, oldest first."""
        ...

    async def changes(self, *, since: str | None, limit: int = 100) -> LaporChangesPage:
        """Status changes after cursor ``since`` (None: from the beginning), in order."""
        ...

    async def add_follow_up(self, tracking_id: str, *, isi: str, status: str, oleh: str,
                            waktu: datetime, petugas: str | None = None) -> None:
        """Post an agency follow-up (not idempotent)."""
        ...

    async def check(self) -> None:
        """A cheap authenticated read: raises a ``ConnectorError`` when LAPOR! is not usable."""
        ...

