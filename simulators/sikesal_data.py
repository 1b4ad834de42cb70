"""Deterministic Sikesal (Kota Jambi) complaints: realistic Indonesian text per kategori."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from simulators.clock import iso
from simulators.kelurahan import kelurahan_of
from simulators.population import city, invalid_nik, residents, unknown_nik

KODE_KOTA_JAMBI = "1571"
STATUSES = ("baru", "diproses", "selesai", "ditolak")
_STATUS_WEIGHTS = (40, 30, 25, 5)
_VERSI = {"baru": 1, "diproses": 2, "selesai": 3, "ditolak": 3}
_KATEGORI_WEIGHTS = {"jalan": 25, "lampu_jalan": 15, "drainase": 15, "sampah": 20, "banjir": 10,
                     "pohon_tumbang": 5, "parkir_liar": 10}
_URGENT = frozenset({"banjir", "pohon_tumbang"})
_STREETS = ("Jl. Sultan Thaha", "Jl. Gatot Subroto", "Jl. Hayam Wuruk", "Jl. Jenderal Sudirman",
            "Jl. Kapten Pattimura", "Jl. Sumantri Brojonegoro", "Jl. Kol. Abunjani",
            "Jl. Slamet Riyadi", "Jl. Orang Kayo Hitam", "Jl. M.H. Thamrin", "Jl. Lingkar Selatan",
            "Jl. Sultan Agung", "Jl. H. Adam Malik", "Jl. Raden Wijaya", "Jl. Marsda Surya Darma",
            "Jl. Kol. Amir Hamzah", "Jl. Yos Sudarso", "Jl. Pangeran Diponegoro")
_LANDMARKS = ("Pasar Angso Duo", "SDN 47", "Masjid Agung Al-Falah", "Simpang Kawat",
              "Terminal Rawasari", "WTC Batanghari", "Puskesmas", "kantor lurah",
              "Jembatan Makalam", "Taman Remaja", "Simpang Rimbo", "RSUD Raden Mattaher")
_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "jalan": (
        ("Jalan berlubang di {jalan}",
         "Mohon segera diperbaiki, jalan di {jalan} dekat {patokan} berlubang cukup dalam. Sudah "
         "beberapa pengendara motor terjatuh, terutama saat hujan karena lubang tertutup air."),
        ("Aspal rusak parah di {jalan}, {kel}",
         "Aspal di {jalan} Kelurahan {kel} mengelupas sepanjang kurang lebih {meter} meter dan "
         "membahayakan pengguna jalan."),
    ),
    "lampu_jalan": (
        ("Lampu jalan mati di {jalan}",
         "Sudah {hari} hari lampu penerangan jalan di {jalan} dekat {patokan} mati. Kondisi gelap "
         "pada malam hari dan rawan kejahatan."),
        ("PJU padam sepanjang {jalan}",
         "Beberapa tiang PJU di {jalan} tidak menyala sejak {hari} hari lalu. Mohon diperbaiki."),
    ),
    "drainase": (
        ("Drainase tersumbat di {jalan}",
         "Parit di sepanjang {jalan} tersumbat sampah dan lumpur, air meluap ke jalan setiap "
         "hujan deras."),
        ("Saluran air mampet di Kelurahan {kel}",
         "Gorong-gorong dekat {patokan} mampet sehingga air tergenang dan berbau."),
    ),
    "sampah": (
        ("Sampah menumpuk di dekat {patokan}",
         "Tumpukan sampah di {jalan} dekat {patokan} sudah {hari} hari tidak diangkut petugas, "
         "menimbulkan bau busuk dan mengundang lalat."),
        ("TPS liar di Kelurahan {kel}",
         "Warga membuang sampah sembarangan di lahan kosong {jalan}. Mohon disediakan TPS resmi."),
    ),
    "banjir": (
        ("Banjir setinggi {cm} cm di {jalan}",
         "Setelah hujan deras sejak subuh, air menggenangi rumah warga di RT {rt} Kelurahan {kel} "
         "setinggi {cm} cm. Mohon bantuan pompa dan perbaikan saluran."),
        ("Genangan air tidak surut di Kelurahan {kel}",
         "Sudah {hari} hari genangan di {jalan} tidak surut, anak-anak kesulitan berangkat "
         "sekolah."),
    ),
    "pohon_tumbang": (
        ("Pohon tumbang menutup {jalan}",
         "Pohon tumbang akibat angin kencang menutup sebagian badan jalan di {jalan} dan menimpa "
         "kabel listrik. Mohon segera dievakuasi."),
        ("Pohon besar tumbang di dekat {patokan}",
         "Pohon besar di dekat {patokan} tumbang dan menghalangi akses warga Kelurahan {kel}."),
    ),
    "parkir_liar": (
        ("Parkir liar di {jalan}",
         "Banyak kendaraan parkir di bahu jalan {jalan} depan {patokan} sehingga menimbulkan "
         "kemacetan pada jam sibuk."),
        ("Juru parkir liar di depan {patokan}",
         "Ada juru parkir tanpa karcis resmi di depan {patokan}, {jalan}, yang memungut tarif "
         "melebihi ketentuan."),
    ),
}


def _jenis(kategori: str, rng: random.Random) -> str:
    weights = (50, 35, 15) if kategori in _URGENT else (5, 35, 60)
    return rng.choices(("darurat", "penting", "biasa"), weights=weights)[0]


def make_records(n: int, seed: int, bad_rate: float, anchor: datetime) -> list[dict[str, Any]]:
    """``n`` complaints dated in the 30 days before ``anchor``; ``bad_rate`` of them invalid."""
    rng = random.Random(f"sikesal:{seed}")
    pool = residents(KODE_KOTA_JAMBI, seed)
    kecamatan = city(KODE_KOTA_JAMBI).kecamatan
    records: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        kategori = rng.choices(list(_KATEGORI_WEIGHTS), weights=list(_KATEGORI_WEIGHTS.values()))[0]
        _, nama_kec = rng.choice(kecamatan)
        kel = rng.choice(kelurahan_of(nama_kec))
        jalan = rng.choice(_STREETS)
        words = {"jalan": jalan, "kel": kel, "patokan": rng.choice(_LANDMARKS),
                 "hari": rng.randint(2, 14), "cm": rng.choice((20, 30, 40, 50, 70)),
                 "rt": f"{rng.randint(1, 30):02d}", "meter": rng.choice((20, 50, 100, 200))}
        judul, isi = (t.format(**words) for t in rng.choice(_TEMPLATES[kategori]))
        anonim = rng.random() < 0.05
        pelapor: dict[str, Any] | None = None
        if not anonim:
            who = rng.choice(pool)
            nik = unknown_nik(KODE_KOTA_JAMBI, rng) if rng.random() < 0.03 else who.nik
            pelapor = {"nama": who.nama, "nik": nik, "telepon": who.telepon}
        status = rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        dibuat = anchor - timedelta(seconds=rng.uniform(3600, 30 * 86400))
        diperbarui = dibuat
        for _ in range(_VERSI[status] - 1):
            diperbarui += timedelta(seconds=rng.uniform(600, 2 * 86400))
        diperbarui = min(diperbarui, anchor - timedelta(seconds=1))
        record: dict[str, Any] = {
            "id": f"SKL-{i:06d}", "versi": _VERSI[status], "judul": judul, "isi": isi,
            "kategori": kategori, "jenis": _jenis(kategori, rng), "status": status,
            "anonim": anonim, "rahasia": rng.random() < 0.03, "pelapor": pelapor,
            "lokasi": {"alamat": f"{jalan}, RT {words['rt']}", "kelurahan": kel,
                       "kecamatan": nama_kec, "lat": round(rng.uniform(-1.66, -1.58), 6),
                       "lng": round(rng.uniform(103.56, 103.66), 6)},
            "foto": [f"https://sikesal.jambikota.go.id/foto/SKL-{i:06d}-{k}.jpg"
                     for k in range(rng.choice((0, 1, 1, 2, 3)))],
            "dibuat_pada": dibuat, "diperbarui_pada": diperbarui,
        }
        if rng.random() < bad_rate:
            _spoil(record, rng)
        records.append(record)
    _make_unique(records)
    for record in records:
        record["dibuat_pada"] = iso(record["dibuat_pada"])
        record["diperbarui_pada"] = iso(record["diperbarui_pada"])
    return records


def _spoil(record: dict[str, Any], rng: random.Random) -> None:
    """Invalid at the source (unlike malformed_rate, which corrupts on the wire)."""
    flaw = rng.choice(("nik", "kategori", "isi") if record["pelapor"] else ("kategori", "isi"))
    if flaw == "nik":
        record["pelapor"]["nik"] = invalid_nik(KODE_KOTA_JAMBI, rng)
    elif flaw == "kategori":
        record["kategori"] = "lainnya"
    else:
        record["isi"] = ""


def _make_unique(records: list[dict[str, Any]]) -> None:
    # Keyset paging needs distinct update times; a 1 µs nudge keeps dibuat <= diperbarui.
    previous: datetime | None = None
    for record in sorted(records, key=lambda r: (r["diperbarui_pada"], r["id"])):
        if previous is not None and record["diperbarui_pada"] <= previous:
            record["diperbarui_pada"] = previous + timedelta(microseconds=1)
        previous = record["diperbarui_pada"]
