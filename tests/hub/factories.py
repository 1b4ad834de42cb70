"""Small builders of raw Sikesal rows and canonical tickets for hub tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.core.models import LaporStatus, Reporter, Ticket

# A valid Kota Jambi NIK (kecamatan 157102, born 15-09-1990, female: day + 40) and a name; tests
# check these never appear in logs.
NIK = "1571025509900001"
NAME = "Siti Rahmawati"
PHONE = "081234567890"


def raw_sikesal(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A row of Sikesal's ``laporan`` as the export serves it (joined with ``user``/``lokasi``)."""
    stamp = datetime(2026, 11, 20, 8, 0) + timedelta(minutes=n)  # naive: WIB at the source
    record: dict[str, Any] = {
        "id_laporan": n, "id_user": 1000 + n, "id_masalah": 1, "id_lokasi": 403,
        "judul": "Jalan berlubang di Jl. Sultan Thaha",
        "isi_laporan": "Lubang besar membahayakan pengendara motor.",
        "saran_laporan": "", "tanggapan_dinas": None, "jenis_pengiriman": "sikesal",
        "telp_pelapor": PHONE, "tanggal_lapor": stamp.strftime("%Y-%m-%d %H:%M:%S"),
        "tanggal_selesai": None, "lat": -1.59, "lng": 103.61, "alamat": "Jl. Sultan Thaha",
        "foto_laporan": "20261120080000_1.jpg", "foto_selesai": None, "status_laporan": "baru",
        "rating": None, "uuid": "6f1c2d4e-8a5b-4c3d-9e2f-1a2b3c4d5e6f", "view": 0, "timer": 0,
        "nik": NIK, "nama_pelapor": NAME, "kelurahan": "Pasar Jambi", "kecamatan": "Pasar Jambi",
    }
    record.update(overrides)
    return record


def ticket(n: int = 1, *, version: int = 1, channel: str = "sikesal") -> Ticket:
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=n)
    return Ticket(
        channel=channel, source_id=f"SKL-{n:06d}", source_version=f"{version:020d}",
        judul="Jalan rusak", isi="Ada lubang", source_category="jalan", kategori="1",
        kategori_nama="Infrastruktur",
        instansi="DPUPR-KOTA-JAMBI", source_status="baru",
        status=LaporStatus.belum_terverifikasi, dibuat=now, diperbarui=now,
        pelapor=Reporter(nama=NAME, nik=NIK, telepon=PHONE),
    )
