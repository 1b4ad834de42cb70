"""The canonical ticket: what every channel's record becomes after mapping.

One enum per side of every status, so no status is a magic string elsewhere; the mapping files
translate between a channel's vocabulary and these.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Klasifikasi(StrEnum):
    pengaduan = "pengaduan"
    aspirasi = "aspirasi"
    permintaan_informasi = "permintaan_informasi"


class LaporStatus(StrEnum):
    """SP4N-LAPOR! statuses (assumed names, see external-systems.md)."""

    belum_terverifikasi = "belum_terverifikasi"
    terverifikasi = "terverifikasi"
    tindak_lanjut = "tindak_lanjut"
    selesai = "selesai"
    ditunda = "ditunda"
    bukan_wewenang = "bukan_wewenang"
    diarsipkan = "diarsipkan"


class IdentityStatus(StrEnum):
    """How far the reporter's identity was checked before the report went to LAPOR!."""

    pending = "pending"  # not checked yet
    verified = "verified"  # Dukcapil: NIK found and name matches
    unverified = "unverified"  # checked and not confirmed, or Dukcapil unavailable
    not_applicable = "not_applicable"  # anonymous, staff reporter or no NIK given


class Reporter(BaseModel):
    model_config = ConfigDict(frozen=True)

    nama: str | None = None
    nik: str | None = None
    nip: str | None = None
    telepon: str | None = None
    email: str | None = None


# How a report sent without an agency (``instansi`` None) is named where tickets are grouped by
# agency: LAPOR!'s admins dispose it.
UNROUTED = "(unrouted)"


class Ticket(BaseModel):
    """A complaint in the hub's own terms, independent of the channel it came from."""

    model_config = ConfigDict(frozen=True)

    channel: str
    source_id: str
    source_version: str
    judul: str
    isi: str
    klasifikasi: Klasifikasi = Klasifikasi.pengaduan
    source_category: str
    kategori: str  # the LAPOR! topic id (mappings/lapor_topics.yaml)
    kategori_nama: str | None = None  # that topic's name, for people
    instansi: str | None = None  # None: unrouted, LAPOR!'s admins dispose it
    source_status: str
    status: LaporStatus
    sla_class: str | None = None
    lokasi: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    lat: float | None = None
    lng: float | None = None
    tanggal_kejadian: datetime | None = None
    dibuat: datetime
    diperbarui: datetime
    rahasia: bool = False
    anonim: bool = False
    pelapor: Reporter | None = None
    lampiran: list[str] = Field(default_factory=list)

    @property
    def instansi_label(self) -> str:
        """The agency, or ``UNROUTED``: for grouping and display, never sent to LAPOR!."""
        return self.instansi or UNROUTED

    def content_hash(self) -> str:
        """Hash of what LAPOR! would receive; a changed hash on a sent ticket is an update."""
        body = self.model_dump(mode="json", exclude={"source_version", "diperbarui"})
        raw = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()
