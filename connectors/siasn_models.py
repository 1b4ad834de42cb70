"""SIASN records as BKN sends them (external-systems.md §2.5–2.8), read into typed models.

Quirks handled here, once: dates are ``dd-mm-yyyy`` strings and ``"01-01-0001"`` means none;
missing values are ``""``; ids are hex in either case (compare with :func:`same_id`); the post
title of a ``rw-jabatan`` item sits in a field chosen by ``jenisJabatan`` (a string).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

NO_DATE = "01-01-0001"


def _dmy(value: Any) -> date | None:
    if value in (None, "", NO_DATE):
        return None
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value), "%d-%m-%Y").date()
    except ValueError:
        raise ValueError("date is not dd-mm-yyyy") from None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


Dmy = Annotated[date | None, BeforeValidator(_dmy)]
Text = Annotated[str | None, BeforeValidator(_text)]


def same_id(a: str | None, b: str | None) -> bool:
    """SIASN ids are hex GUIDs, older ones upper case, newer lower case: equal ignoring case."""
    return bool(a) and bool(b) and str(a).lower() == str(b).lower()


def same_title(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and " ".join(str(a).upper().split()) == " ".join(
        str(b).upper().split())


class _Model(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True, populate_by_name=True,
                              extra="ignore")


class DataUtama(_Model):
    """``pns/data-utama``: a civil servant, where they sit now and in which post."""

    pns_id: str = Field(alias="id", repr=False)
    nip: str = Field(alias="nipBaru", repr=False)
    nama: str = Field(repr=False)
    kedudukan: Text = Field(default=None, alias="kedudukanPnsNama")
    unor_id: Text = Field(default=None, alias="unorId")
    unor_nama: Text = Field(default=None, alias="unorNama")
    unor_induk_id: Text = Field(default=None, alias="unorIndukId")
    unor_induk_nama: Text = Field(default=None, alias="unorIndukNama")
    jabatan: Text = Field(default=None, alias="jabatanNama")
    jabatan_fu_id: Text = Field(default=None, alias="jabatanFungsionalUmumId")
    jabatan_fungsional_id: Text = Field(default=None, alias="jabatanFungsionalId")
    jabatan_struktural_id: Text = Field(default=None, alias="jabatanStrukturalId")
    tmt_jabatan: Dmy = Field(default=None, alias="tmtJabatan")

    @property
    def active(self) -> bool:
        """``"Aktif"`` and ``"PPPK Aktif"`` are in service; anything else (pensiun, …) is not."""
        words = (self.kedudukan or "").lower().split()
        return "aktif" in words and "non" not in words and "tidak" not in words

    def holds(self, title: str, post_id: str | None = None) -> bool:
        ids = (self.jabatan_fu_id, self.jabatan_fungsional_id, self.jabatan_struktural_id)
        if post_id and any(same_id(post_id, i) for i in ids):
            return True
        return same_title(self.jabatan, title)


class RiwayatJabatan(_Model):
    """One ``pns/rw-jabatan`` item. There is no ``jabatanNama`` here: see :attr:`title`."""

    record_id: str = Field(alias="id")
    jenis_jabatan: str = Field(alias="jenisJabatan")
    unor_id: Text = Field(default=None, alias="unorId")
    unor_induk_id: Text = Field(default=None, alias="unorIndukId")
    nama_jabatan: Text = Field(default=None, alias="namaJabatan")
    fungsional_nama: Text = Field(default=None, alias="jabatanFungsionalNama")
    fungsional_umum_nama: Text = Field(default=None, alias="jabatanFungsionalUmumNama")
    tmt_jabatan: Dmy = Field(default=None, alias="tmtJabatan")

    @property
    def title(self) -> str | None:
        """``namaJabatan`` for "1" (struktural), ``jabatanFungsionalNama`` for "2" (fungsional
        tertentu), ``jabatanFungsionalUmumNama`` for "4" (pelaksana)."""
        return {"1": self.nama_jabatan, "2": self.fungsional_nama,
                "4": self.fungsional_umum_nama}.get(self.jenis_jabatan.strip())


class Unor(_Model):
    """One ``referensi/ref-unor`` item: a unit and the PNS id (not NIP) of its head."""

    unor_id: str = Field(alias="Id")
    diatasan_id: Text = Field(default=None, alias="DiatasanId")
    induk_id: Text = Field(default=None, alias="IndukUnorId")
    nama: Text = Field(default=None, alias="NamaUnor")
    nama_jabatan: Text = Field(default=None, alias="NamaJabatan")
    pemimpin_pns_id: Text = Field(default=None, alias="PemimpinPnsId")


def newest_first(items: list[RiwayatJabatan]) -> list[RiwayatJabatan]:
    """BKN does not order the history: sort by ``tmtJabatan`` itself, undated last."""
    return sorted(items, key=lambda r: r.tmt_jabatan or date.min, reverse=True)
