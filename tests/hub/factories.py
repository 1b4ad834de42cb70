"""Small builders of raw Sikesal records and canonical tickets for hub tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.core.models import LaporStatus, Reporter, Ticket

# A valid Kota Jambi NIK (kecamatan 157102, born 15-09-1990, female: day + 40) and a name; tests
# check these never appear in logs.
NIK = "1571025509900001"
NAME = "Siti Rahmawati"
PHONE = "081234567890"


def raw_sikesal(n: int = 1, *, versi: int = 1, **overrides: Any) -> dict[str, Any]:
    stamp = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=n, seconds=versi)
    record: dict[str, Any] = {
        "id": f"SKL-{n:06d}",
        "versi": versi,
        "judul": "Jalan berlubang di Jl. Sultan Thaha",
        "isi": "Lubang besar membahayakan pengendara motor.",
        "kategori": "jalan",
        "jenis": "penting",
        "status": "baru",
        "anonim": False,
        "rahasia": False,
        "pelapor": {"nama": NAME, "nik": NIK, "telepon": PHONE},
        "lokasi": {"alamat": "Jl. Sultan Thaha", "kelurahan": "Pasar Jambi",
                   "kecamatan": "Pasar Jambi", "lat": -1.59, "lng": 103.61},
        "foto": ["https://sikesal.example/foto/1.jpg"],
        "dibuat_pada": stamp.isoformat(),
        "diperbarui_pada": stamp.isoformat(),
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
