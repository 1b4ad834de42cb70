"""Deterministic Simtramtibum (Kota Pekalongan) reports, filed by the Kasi Trantib of a kelurahan.

Reporters are staff, identified by an 18-digit NIP (birth date YYYYMMDD, appointment YYYYMM,
gender 1/2, serial), not by a citizen NIK. Names and birth dates come from the shared Pekalongan
population so the same seed gives the same people everywhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from simulators.population import residents

KODE_KOTA_PEKALONGAN = "3375"
STATUSES = ("dilaporkan", "ditindaklanjuti", "selesai")
_STATUS_WEIGHTS = (40, 35, 25)
# The 27 kelurahan of Kota Pekalongan after the 2014 merger, by kecamatan.
KELURAHAN: dict[str, tuple[str, ...]] = {
    "Pekalongan Barat": ("Bendan Kergon", "Kramatsari", "Medono", "Pasirkratonkramat",
                         "Podosugih", "Sapuro Kebulen", "Tirto"),
    "Pekalongan Timur": ("Gamer", "Kalibaros", "Kauman", "Klego", "Noyontaansari", "Poncol",
                         "Setono", "Sokorejo"),
    "Pekalongan Utara": ("Bandengan", "Degayu", "Kandang Panjang", "Krapyak",
                         "Padukuhan Kraton", "Panjang Baru", "Panjang Wetan"),
    "Pekalongan Selatan": ("Banyurip", "Buaran Kradenan", "Jenggot", "Kuripan Kertoharjo",
                           "Kuripan Yosorejo"),
}
_KATEGORI_WEIGHTS = {"PKL": 24, "GANGGUAN_KETERTIBAN": 18, "PARKIR_LIAR": 12, "MIRAS": 10,
                     "ANJAL_GEPENG": 14, "BANGUNAN_LIAR": 10, "REKLAME_LIAR": 12}
_STREETS = ("Jl. Hayam Wuruk", "Jl. Dr. Sutomo", "Jl. Gajah Mada", "Jl. Merdeka",
            "Jl. Diponegoro", "Jl. KH. Mansyur", "Jl. Sultan Agung", "Jl. Imam Bonjol",
            "Jl. Progo", "Jl. Jlamprang", "Jl. Urip Sumoharjo", "Jl. Patiunus",
            "Jl. Wahid Hasyim", "Jl. Ahmad Yani", "Jl. Kurinci", "Jl. Hos Cokroaminoto")
_LANDMARKS = ("Alun-alun Kota Pekalongan", "Pasar Banjarsari", "Lapangan Jetayu",
              "Museum Batik", "Stasiun Pekalongan", "Terminal Pekalongan",
              "Pantai Pasir Kencana", "Pasar Grosir Setono", "Masjid Jami' Kauman",
              "Kampung Batik Kauman", "GOR Jetayu", "Pelabuhan Perikanan Nusantara")
_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "PKL": (
        ("PKL berjualan di trotoar {jalan}",
         "Berdasarkan pantauan dan laporan warga, sekitar {jumlah} pedagang kaki lima berjualan "
         "di trotoar {jalan} depan {patokan} sehingga pejalan kaki terpaksa turun ke badan "
         "jalan. Sudah diberi teguran lisan namun kembali berjualan."),
        ("Lapak PKL menutup saluran air di Kelurahan {kel}",
         "Lapak semi permanen PKL di {jalan} dibangun di atas saluran air; saat hujan air "
         "meluap ke jalan. Mohon penertiban sesuai Perda."),
    ),
    "GANGGUAN_KETERTIBAN": (
        ("Keributan warga di {jalan} pada malam hari",
         "Terjadi keributan sekelompok pemuda di {jalan} RT {rt} sekitar pukul {jam}.00 WIB "
         "yang meresahkan warga. Situasi sudah kondusif, mohon patroli rutin."),
        ("Balap liar di sekitar {patokan}",
         "Setiap malam Minggu terjadi balap liar di {jalan} dekat {patokan}. Warga Kelurahan "
         "{kel} merasa terganggu suara knalpot dan khawatir terjadi kecelakaan."),
    ),
    "PARKIR_LIAR": (
        ("Parkir liar di depan {patokan}",
         "Kendaraan parkir di bahu jalan {jalan} depan {patokan} hingga dua lapis sehingga "
         "menimbulkan kemacetan pada jam sibuk. Juru parkir tidak memberi karcis resmi."),
    ),
    "MIRAS": (
        ("Peredaran minuman keras di Kelurahan {kel}",
         "Diduga ada warung di {jalan} RT {rt} yang menjual minuman keras tanpa izin. Sering "
         "ada pemuda berkumpul dan mabuk hingga larut malam."),
        ("Pesta miras di pos ronda RT {rt}",
         "Warga melaporkan sekelompok orang mengonsumsi miras di pos ronda RT {rt} Kelurahan "
         "{kel} dan membuat gaduh. Mohon tindak lanjut Satpol PP."),
    ),
    "ANJAL_GEPENG": (
        ("Anak jalanan dan pengemis di simpang {jalan}",
         "Terdapat {jumlah} anak jalanan dan pengemis di lampu merah {jalan} dekat {patokan} "
         "yang meminta-minta kepada pengendara. Mohon penjangkauan dan pembinaan."),
        ("Gelandangan tidur di emperan {patokan}",
         "Ada gelandangan yang tinggal di emperan {patokan} sejak {hari} hari terakhir. "
         "Perlu dikoordinasikan dengan Dinas Sosial."),
    ),
    "BANGUNAN_LIAR": (
        ("Bangunan liar di sempadan sungai Kelurahan {kel}",
         "Warga mendirikan bangunan semi permanen di sempadan sungai dekat {jalan} tanpa "
         "izin. Sudah diingatkan pihak kelurahan namun pembangunan tetap berjalan."),
    ),
    "REKLAME_LIAR": (
        ("Reklame tanpa izin di {jalan}",
         "Terpasang {jumlah} spanduk dan baliho tanpa izin di tiang listrik dan pohon sepanjang "
         "{jalan}. Beberapa sudah rusak dan membahayakan pengguna jalan."),
    ),
}


@dataclass(frozen=True, slots=True)
class Staff:
    nip: str
    nama: str
    jabatan: str
    kelurahan: str
    kecamatan: str


def staff_roster(seed: int) -> list[Staff]:
    """One Kasi Trantib per kelurahan, drawn from the Pekalongan population of ``seed``."""
    rng = random.Random(f"simtramtibum-staff:{seed}")
    people = [p for p in residents(KODE_KOTA_PEKALONGAN, seed)
              if 1966 <= p.tanggal_lahir.year <= 1996]
    serials: set[str] = set()
    roster: list[Staff] = []
    for kec, kelurahan in KELURAHAN.items():
        for kel in kelurahan:
            person = people.pop(rng.randrange(len(people)))
            born = person.tanggal_lahir
            hired_year = min(born.year + rng.randint(22, 30), 2023)
            gender = "2" if person.jenis_kelamin == "PEREMPUAN" else "1"
            while (serial := f"{rng.randint(1, 999):03d}") in serials:
                continue
            serials.add(serial)
            nip = f"{born:%Y%m%d}{hired_year}{rng.randint(1, 12):02d}{gender}{serial}"
            roster.append(Staff(nip, person.nama, f"Kasi Trantib Kelurahan {kel}", kel, kec))
    return roster


def make_reports(n: int, seed: int, bad_rate: float, anchor: datetime) -> list[dict[str, Any]]:
    """``n`` reports filed in the 14 days before ``anchor``; ``bad_rate`` of them invalid.

    Times are full precision here; the export renders them to the minute.
    """
    rng = random.Random(f"simtramtibum:{seed}")
    roster = staff_roster(seed)
    reports: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        kategori = rng.choices(list(_KATEGORI_WEIGHTS), weights=list(_KATEGORI_WEIGHTS.values()))[0]
        who = rng.choice(roster)
        jalan = rng.choice(_STREETS)
        words = {"jalan": jalan, "kel": who.kelurahan, "patokan": rng.choice(_LANDMARKS),
                 "jumlah": rng.randint(3, 15), "rt": f"{rng.randint(1, 12):02d}",
                 "jam": rng.randint(20, 23), "hari": rng.randint(2, 10)}
        perihal, uraian = (t.format(**words) for t in rng.choice(_TEMPLATES[kategori]))
        status = rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        revisi = STATUSES.index(status) + 1
        dilaporkan = anchor - timedelta(seconds=rng.uniform(1800, 14 * 86400))
        diperbarui = dilaporkan
        for _ in range(revisi - 1):
            diperbarui += timedelta(seconds=rng.uniform(600, 86400))
        report: dict[str, Any] = {
            "no_laporan": f"STB-{i:06d}", "revisi": revisi,
            "tanggal": (dilaporkan - timedelta(hours=rng.choice((0, 0, 2, 20)))).date(),
            "dilaporkan": dilaporkan, "diperbarui": min(diperbarui, anchor - timedelta(seconds=1)),
            "kelurahan": who.kelurahan, "kecamatan": who.kecamatan, "kategori": kategori,
            "perihal": perihal, "uraian": uraian,
            "lokasi": f"{jalan} RT {words['rt']}, dekat {words['patokan']}",
            "nip_pelapor": who.nip, "nama_pelapor": who.nama, "jabatan_pelapor": who.jabatan,
            "status": status,
        }
        if rng.random() < bad_rate:
            _spoil(report, rng)
        reports.append(report)
    return reports


def _spoil(report: dict[str, Any], rng: random.Random) -> None:
    """Invalid at the source (unlike malformed_rate, which breaks lines of the export)."""
    flaw = rng.choice(("nip", "kategori", "uraian"))
    if flaw == "nip":
        nip = report["nip_pelapor"]
        # A typo (one digit short) or an impossible birth month, as hand entry produces.
        report["nip_pelapor"] = nip[:-1] if rng.random() < 0.5 else nip[:4] + "13" + nip[6:]
    elif flaw == "kategori":
        report["kategori"] = "LAINNYA"
    else:
        report["uraian"] = ""
