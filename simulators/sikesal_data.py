"""Deterministic rows of Sikesal's (Kota Jambi) ``laporan`` table, as an export would serve them.

Columns and values follow the public PHP/MySQL backend (``../shared/design/external-systems.md``
4.1): integer ids, ``status_laporan`` ``baru``/``tanggapan``/``selesai``, naive WIB timestamps
``YYYY-MM-DD HH:MM:SS``, NULL for what is not there yet. ``nik``/``nama_pelapor`` (from ``user``)
and ``kelurahan``/``kecamatan`` (from ``lokasi`` and its ``id_induk``) are joined in, as an export
view would (assumed). The ``masalah`` ids below are the sandbox's own table.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from simulators.clock import WIB
from simulators.kelurahan import kelurahan_of
from simulators.population import city, invalid_nik, phone, residents, unknown_nik

KODE_KOTA_JAMBI = "1571"
STATUSES = ("baru", "tanggapan", "selesai")
_STATUS_WEIGHTS = (45, 30, 25)
STAMP = "%Y-%m-%d %H:%M:%S"
# masalah.id_masalah → (masalah, kind of complaint, kantor_dinas): the sandbox's problem types.
MASALAH: dict[int, tuple[str, str, str]] = {
    1: ("Jalan Rusak", "jalan", "Dinas PUPR"),
    2: ("Lampu Jalan / PJU Mati", "lampu_jalan", "Dinas Perhubungan"),
    3: ("Drainase Tersumbat", "drainase", "Dinas PUPR"),
    4: ("Sampah", "sampah", "Dinas Lingkungan Hidup"),
    5: ("Banjir / Genangan", "banjir", "BPBD"),
    6: ("Pohon Tumbang", "pohon_tumbang", "Dinas Lingkungan Hidup"),
    7: ("Parkir Liar", "parkir_liar", "Dinas Perhubungan"),
}
UNKNOWN_MASALAH = 99  # a problem type added in Sikesal that the hub's mapping does not know
_MASALAH_WEIGHTS = {1: 25, 2: 15, 3: 15, 4: 20, 5: 10, 6: 5, 7: 10}
_SARAN = ("Mohon segera ditindaklanjuti.", "Sebaiknya dicek langsung ke lokasi.",
          "Mohon dijadwalkan perbaikan rutin.", "Perlu pengawasan petugas secara berkala.")
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


def stamp(moment: datetime) -> str:
    """A naive WIB timestamp as the PHP backend writes it (``date('Y-m-d H:i:s')`` at UTC+7)."""
    return moment.astimezone(WIB).strftime(STAMP)


def answer(masalah: int, kind: str = "tanggapan") -> str:
    dinas = MASALAH.get(masalah, ("", "", "Pemerintah Kota Jambi"))[2]
    if kind == "selesai":
        return f"Laporan telah ditindaklanjuti dan selesai dikerjakan oleh {dinas}. Terima kasih."
    return (f"Terima kasih atas laporannya. {dinas} telah menerima laporan ini dan akan "
            "menurunkan petugas ke lokasi.")


def lokasi_ids(kecamatan: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``lokasi`` ids: each kecamatan ``100·k``, its kelurahan ``100·k + j`` (``id_induk`` = k)."""
    ids: dict[tuple[str, str], int] = {}
    for k, (_, nama_kec) in enumerate(kecamatan, start=1):
        for j, kel in enumerate(kelurahan_of(nama_kec), start=1):
            ids[(nama_kec, kel)] = 100 * k + j
    return ids


def make_records(n: int, seed: int, bad_rate: float, anchor: datetime) -> list[dict[str, Any]]:
    """``n`` rows dated in the 30 days before ``anchor``, ids in filing order; ``bad_rate`` of
    them invalid at the source."""
    rng = random.Random(f"sikesal:{seed}")
    pool = residents(KODE_KOTA_JAMBI, seed)
    kecamatan = list(city(KODE_KOTA_JAMBI).kecamatan)
    lokasi = lokasi_ids(kecamatan)
    filed = sorted(anchor - timedelta(seconds=rng.uniform(3600, 30 * 86400)) for _ in range(n))
    records: list[dict[str, Any]] = []
    for i, lapor in enumerate(filed, start=1):
        masalah = rng.choices(list(_MASALAH_WEIGHTS), weights=list(_MASALAH_WEIGHTS.values()))[0]
        kind = MASALAH[masalah][1]
        _, nama_kec = rng.choice(kecamatan)
        kel = rng.choice(kelurahan_of(nama_kec))
        jalan = rng.choice(_STREETS)
        words = {"jalan": jalan, "kel": kel, "patokan": rng.choice(_LANDMARKS),
                 "hari": rng.randint(2, 14), "cm": rng.choice((20, 30, 40, 50, 70)),
                 "rt": f"{rng.randint(1, 30):02d}", "meter": rng.choice((20, 50, 100, 200))}
        judul, isi = (t.format(**words) for t in rng.choice(_TEMPLATES[kind]))
        # Some citizens report again (the same account, the same NIK).
        regulars = [r["id_user"] - 1000 for r in records[-200:]]
        who_index = (rng.choice(regulars) if regulars and rng.random() < 0.15
                     else rng.randrange(len(pool)))
        who = pool[who_index]
        nik = unknown_nik(KODE_KOTA_JAMBI, rng) if rng.random() < 0.03 else who.nik
        status = rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        age_h = (anchor - lapor).total_seconds() / 3600
        gps = rng.random() >= 0.05
        record: dict[str, Any] = {
            "id_laporan": i, "id_user": 1000 + who_index, "id_masalah": masalah,
            "id_lokasi": lokasi[(nama_kec, kel)], "judul": judul, "isi_laporan": isi,
            "saran_laporan": rng.choice(_SARAN) if rng.random() < 0.4 else "",
            "tanggapan_dinas": None,
            "jenis_pengiriman": "sikesal" if rng.random() < 0.92 else "website",
            "telp_pelapor": who.telepon if rng.random() < 0.9 else phone(rng),
            "tanggal_lapor": stamp(lapor), "tanggal_selesai": None,
            "lat": round(rng.uniform(-1.66, -1.58), 6) if gps else None,
            "lng": round(rng.uniform(103.56, 103.66), 6) if gps else None,
            "alamat": f"{jalan}, RT {words['rt']}",
            "foto_laporan": f"{lapor:%Y%m%d%H%M%S}_{i}.jpg" if rng.random() < 0.8 else "",
            "foto_selesai": None, "status_laporan": "baru", "rating": None,
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "view": rng.randint(0, 40),
            # Escalation while nobody answers: 24 h to the head of office, 48 h to the city.
            "timer": 0 if status != "baru" or age_h < 24 else (1 if age_h < 48 else 2),
            "nik": nik, "nama_pelapor": who.nama,
            "kelurahan": kel, "kecamatan": nama_kec,
        }
        if status != "baru":
            answered = lapor + timedelta(seconds=rng.uniform(600, min(2 * 86400, age_h * 1800)))
            respond(record, "tanggapan", answer(masalah), answered)
        if status == "selesai":
            done = lapor + timedelta(seconds=rng.uniform(age_h * 1800, age_h * 3600 - 1))
            respond(record, "selesai", answer(masalah, "selesai"), done)
            record["rating"] = rng.choice((None, 3, 4, 5, 5))
        if rng.random() < bad_rate:
            _spoil(record, rng)
        records.append(record)
    return records


def respond(record: dict[str, Any], status: str, tanggapan: str | None, at: datetime) -> None:
    """What the OPD's answer does to a row: status, the answer text, ``tanggal_selesai``."""
    record["status_laporan"] = status
    if tanggapan is not None:
        record["tanggapan_dinas"] = tanggapan
    if status == "selesai" and record["tanggal_selesai"] is None:
        record["tanggal_selesai"] = stamp(at)
        record["foto_selesai"] = f"{at:%Y%m%d%H%M%S}_{record['id_laporan']}_selesai.jpg"
    record["timer"] = 0


def _spoil(record: dict[str, Any], rng: random.Random) -> None:
    """Invalid at the source (unlike malformed_rate, which corrupts on the wire)."""
    flaw = rng.choice(("nik", "masalah", "isi"))
    if flaw == "nik":
        record["nik"] = invalid_nik(KODE_KOTA_JAMBI, rng)
    elif flaw == "masalah":
        record["id_masalah"] = UNKNOWN_MASALAH
    else:
        record["isi_laporan"] = ""
