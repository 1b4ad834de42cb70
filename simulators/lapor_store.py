"""The SP4N-LAPOR! sandbox's state: reports as LAPOR! stores them (never deduplicated), their
follow-ups, the change feed and the search, behind one lock (docs/wire-contract.md)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulators.admin import SeedRequest
from simulators.clock import LogicalClock, iso
from simulators.lapor_admins import next_move
from simulators.lapor_topics import TOPICS

TOPIC_IDS = frozenset(str(t[0]) for t in TOPICS)

Status = Literal["belum_terverifikasi", "terverifikasi", "tindak_lanjut", "selesai", "ditunda",
                 "bukan_wewenang", "diarsipkan"]


class Pelapor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nama: str = Field(min_length=1)
    nik: str | None = None
    email: str | None = None
    telepon: str | None = None
    terverifikasi: bool = False


class LaporanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    judul: str = Field(min_length=1, max_length=200)
    isi: str = Field(min_length=1)
    klasifikasi: Literal["pengaduan", "aspirasi", "permintaan_informasi"]
    kategori: str = Field(min_length=1)  # a topic id of gettopics (digits)
    instansi_tujuan: str | None = Field(default=None, min_length=1)  # optional (unknown in fact)
    lokasi: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    tanggal_kejadian: datetime | None = None
    rahasia: bool = False
    anonim: bool = False
    pelapor: Pelapor | None = None
    sumber: str = Field(min_length=1)
    ref_eksternal: str = Field(min_length=1)
    lampiran: list[str] = Field(default_factory=list)

    @field_validator("kategori", mode="before")
    @classmethod
    def _known_topic(cls, value: Any) -> Any:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or text not in TOPIC_IDS:
            raise ValueError("kategori must be the id of a LAPOR! topic (gettopics)")
        return text



class TindakLanjutIn(BaseModel):
    isi: str = Field(min_length=1)
    status: Status
    oleh: str = Field(min_length=1)
    waktu: datetime
    petugas: str | None = None  # the responsible officer, e.g. from Simpeg/SIASN


# LAPOR!'s tracking ids are plain numbers (``#1916449``); answers carry them as JSON numbers.
FIRST_TRACKING_ID = 4_100_000
FIRST_TRANSAKSI_ID = 880_000_000


@dataclass
class Report:
    body: dict[str, Any]
    tracking_id: int
    transaksi_id: int
    status: str
    dibuat: str
    diperbarui: str
    instansi: str | None = None
    petugas: str | None = None
    tindak_lanjut: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"tracking_id": self.tracking_id, "transaksi_id": self.transaksi_id,
                "status": self.status, "sumber": self.body["sumber"],
                "ref_eksternal": self.body.get("ref_eksternal"), "dibuat": self.dibuat}

    def found(self) -> dict[str, Any]:
        """A search hit: the report without its reporter (``GET /laporan/cari``)."""
        keys = ("sumber", "ref_eksternal", "judul", "isi", "kategori", "lokasi", "lat", "lng",
                "tanggal_kejadian")
        return {"tracking_id": self.tracking_id, "transaksi_id": self.transaksi_id,
                "status": self.status, "instansi": self.instansi, "dibuat": self.dibuat,
                **{k: self.body.get(k) for k in keys}}

    def full(self) -> dict[str, Any]:
        # The admin view (/_sim/state) gives the ids as text, as the hub stores them.
        return {**self.body, "tracking_id": str(self.tracking_id),
                "transaksi_id": str(self.transaksi_id),
                "status": self.status, "instansi": self.instansi, "petugas": self.petugas,
                "tindak_lanjut": list(self.tindak_lanjut), "dibuat": self.dibuat,
                "diperbarui": self.diperbarui}


class LaporStore:
    """Every report received, by tracking id and by origin, plus the ordered change feed."""

    def __init__(self, clock: LogicalClock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.reset_hooks: list[Callable[[], None]] = []  # e.g. the city forwarder's memory
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._reports: dict[str, Report] = {}
            self._by_origin: dict[tuple[str, str], list[str]] = {}
            self._changes: list[dict[str, Any]] = []
            self.posts: Counter[str] = Counter()  # POST /laporan per sumber
        for hook in self.reset_hooks:
            hook()

    def create(self, laporan: LaporanIn) -> Report:
        return self._add(laporan.model_dump(mode="json"), laporan.instansi_tujuan,
                         (laporan.sumber, laporan.ref_eksternal))

    def create_legacy(self, body: dict[str, Any]) -> Report:
        """A report from the legacy XML intake: no origin, no topic, no agency (``body["api"]``
        is ``legacy_xml``; ``sumber``/``ref_eksternal`` are null)."""
        return self._add({"api": "legacy_xml", "sumber": None, "ref_eksternal": None,
                          "kategori": None, "instansi_tujuan": None, **body}, None, None)

    def _add(self, body: dict[str, Any], instansi: str | None,
             origin: tuple[str, str] | None) -> Report:
        with self._lock:
            seq = len(self._reports) + 1
            now = iso(self.clock.now())
            report = Report(body=body, tracking_id=FIRST_TRACKING_ID + seq,
                            transaksi_id=FIRST_TRANSAKSI_ID + seq, status="belum_terverifikasi",
                            dibuat=now, diperbarui=now, instansi=instansi)
            key = str(report.tracking_id)
            self._reports[key] = report
            if origin is not None:
                self._by_origin.setdefault(origin, []).append(key)
            self._record_change(report)
            return report

    def file_forwarded(self, body: dict[str, Any], dibuat: datetime) -> Report:
        """A report a city's own link filed (``simulators/lapor_forwarder.py``), dated when the
        link filed it; ``ref_eksternal`` may be None (the link sets no reference)."""
        with self._lock:
            seq = len(self._reports) + 1
            when = iso(dibuat)
            report = Report(body=body, tracking_id=FIRST_TRACKING_ID + seq,
                            transaksi_id=FIRST_TRANSAKSI_ID + seq, status="belum_terverifikasi",
                            dibuat=when, diperbarui=when, instansi=body.get("instansi_tujuan"))
            key = str(report.tracking_id)
            self._reports[key] = report
            if body.get("sumber") and body.get("ref_eksternal"):
                self._by_origin.setdefault((body["sumber"], body["ref_eksternal"]), []).append(
                    key)
            self._record_change(report)
            return report

    def search(self, sejak: datetime, sampai: datetime, instansi: str | None,
               after: tuple[datetime, int] | None, limit: int) -> list[tuple[datetime, Report]]:
        """Reports created in ``[sejak, sampai]`` by (dibuat, tracking id), after ``after``."""
        with self._lock:
            hits = sorted(((datetime.fromisoformat(r.dibuat), r) for r in self._reports.values()
                           if instansi is None or r.instansi == instansi),
                          key=lambda h: (h[0], h[1].tracking_id))
        return [(at, r) for at, r in hits if sejak <= at <= sampai
                and (after is None or (at, r.tracking_id) > after)][:limit]

    def by_origin(self, sumber: str, ref_eksternal: str | None) -> list[dict[str, Any]]:
        with self._lock:
            if ref_eksternal is not None:
                ids = self._by_origin.get((sumber, ref_eksternal), [])
                return [self._reports[i].summary() for i in ids]
            return [r.summary() for r in self._reports.values() if r.body["sumber"] == sumber]

    def follow_up(self, tracking_id: str, tl: TindakLanjutIn) -> Report | None:
        with self._lock:
            report = self._reports.get(tracking_id)
            if report is None:
                return None
            report.tindak_lanjut.append({"isi": tl.isi, "oleh": tl.oleh, "waktu": iso(tl.waktu)})
            report.status = tl.status
            report.petugas = tl.petugas or report.petugas
            report.diperbarui = iso(self.clock.now())
            self._record_change(report)
            return report

    def advance(self, n: int, to: str | None = None,
                tracking_ids: Sequence[int | str] | None = None,
                rng: random.Random | None = None) -> int:
        """LAPOR!'s own admins at work: move the ``n`` oldest open reports (or the ones named)
        one step (``lapor_admins.next_move``), or straight ``to`` a status."""
        with self._lock:
            moved = 0
            pool = ([self._reports[str(t)] for t in tracking_ids if str(t) in self._reports]
                    if tracking_ids is not None else list(self._reports.values()))
            for report in pool:
                if moved >= n:
                    break
                move = next_move(report.status, to, rng)
                if move is None:
                    continue
                report.status, text = move
                report.diperbarui = iso(self.clock.now())
                if report.status == "terverifikasi":
                    report.petugas = report.petugas or f"Admin {report.instansi or 'LAPOR!'}"
                if text:
                    report.tindak_lanjut.append({"isi": text,
                                                 "oleh": report.petugas or "Admin LAPOR!",
                                                 "waktu": report.diperbarui})
                self._record_change(report)
                moved += 1
            return moved

    def changes(self, after: int, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return self._changes[after:after + limit]

    def _record_change(self, report: Report) -> None:
        # The list index is the sequence; cursor N means "the N-th change", so sejak=N skips N.
        self._changes.append({
            "tracking_id": report.tracking_id, "status": report.status,
            "instansi": report.instansi, "petugas": report.petugas,
            "tindak_lanjut": list(report.tindak_lanjut), "diperbarui": report.diperbarui,
            "cursor": f"{len(self._changes) + 1:012d}"})

    # SimBackend ------------------------------------------------------------------------------
    def seed(self, request: SeedRequest) -> int:
        """Reports filed directly on the LAPOR! website: the change feed carries strangers too."""
        self.reset()
        for i in range(request.n):
            self.create(LaporanIn(
                judul=f"Laporan warga nomor {i + 1}", isi="Mohon ditindaklanjuti.",
                klasifikasi="pengaduan", kategori="1", instansi_tujuan="PEMKOT",
                anonim=True, sumber="LAPOR_WEB", ref_eksternal=f"WEB-{request.seed}-{i + 1:06d}"))
        return request.n

    def state(self) -> dict[str, Any]:
        with self._lock:
            reports = [r.full() for r in self._reports.values()]
        return {"reports": reports, "count": len(reports), "posts_by_sumber": dict(self.posts)}
