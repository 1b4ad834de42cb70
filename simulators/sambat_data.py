"""Deterministic Sambat (Kota Malang) reports from the app, the website and SMS.

App and web users are registered residents (NIK, name, phone); an SMS carries only the sender's
number and a text that starts with the keyword ``Sambat``. Diskominfo's operators triage the SMS
inbox, so every report, SMS included, has a kategori by the time it is in the feed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from simulators.clock import iso
from simulators.population import city, invalid_nik, phone, residents, unknown_nik

KODE_KOTA_MALANG = "3573"
STATUSES = ("masuk", "diteruskan", "dijawab", "selesai")
KANAL_WEIGHTS = {"app": 50, "web": 20, "sms": 30}
_STATUS_WEIGHTS = (30, 25, 25, 20)
_VERSI = {"masuk": 1, "diteruskan": 2, "dijawab": 3, "selesai": 4}
# Sambat's own vocabulary, as the OPD pick list of the app spells it (spaces, "PJU" upper case).
_KATEGORI_WEIGHTS = {"jalan": 22, "PJU": 12, "sampah": 16, "drainase": 12, "banjir": 8,
                     "pohon tumbang": 6, "parkir": 8, "perizinan": 6,
                     "administrasi kependudukan": 10}
# Who answers in the simulator's history; the hub maps kategori to OPD codes itself.
OPD_NAMA = {"jalan": "DPUPRPKP Kota Malang", "PJU": "Dishub Kota Malang",
            "sampah": "DLH Kota Malang", "drainase": "DPUPRPKP Kota Malang",
            "banjir": "BPBD Kota Malang", "pohon tumbang": "DLH Kota Malang",
            "parkir": "Dishub Kota Malang", "perizinan": "DPMPTSP Kota Malang",
            "administrasi kependudukan": "Dispendukcapil Kota Malang"}
KELURAHAN = {
    "Klojen": ("Klojen", "Kauman", "Kidul Dalem", "Sukoharjo", "Kasin", "Oro-oro Dowo",
               "Penanggungan", "Gadingkasri", "Bareng", "Samaan", "Rampal Celaket"),
    "Lowokwaru": ("Lowokwaru", "Ketawanggede", "Dinoyo", "Sumbersari", "Jatimulyo",
                  "Tulusrejo", "Mojolangu", "Tunjungsekar", "Tasikmadu", "Merjosari", "Tlogomas"),
    "Blimbing": ("Blimbing", "Purwodadi", "Polowijen", "Arjosari", "Balearjosari",
                 "Pandanwangi", "Purwantoro", "Bunulrejo", "Kesatrian", "Polehan", "Jodipan"),
    "Sukun": ("Sukun", "Bandungrejosari", "Bakalankrajan", "Ciptomulyo", "Gadang",
              "Karangbesuki", "Kebonsari", "Mulyorejo", "Pisangcandi", "Tanjungrejo"),
    "Kedungkandang": ("Kedungkandang", "Arjowinangun", "Bumiayu", "Buring", "Cemorokandang",
                      "Kotalama", "Lesanpuro", "Madyopuro", "Mergosono", "Sawojajar"),
}
_STREETS = ("Jl. Soekarno Hatta", "Jl. Ijen", "Jl. Veteran", "Jl. Kawi", "Jl. Basuki Rahmat",
            "Jl. Letjen Sutoyo", "Jl. Sulfat", "Jl. Borobudur", "Jl. Gajayana", "Jl. MT Haryono",
            "Jl. Bandung", "Jl. Mayjen Panjaitan", "Jl. Terusan Dieng", "Jl. S. Supriadi",
            "Jl. Kolonel Sugiono", "Jl. Ciliwung", "Jl. Danau Toba", "Jl. Raya Tlogomas")
_LANDMARKS = ("kampus", "Alun-alun Tugu", "Stasiun Kota Baru", "Pasar Besar", "Stadion Gajayana",
              "Terminal Arjosari", "Terminal Landungsari", "RSSA", "Balai Kota", "Masjid Jami'",
              "SDN Sawojajar 1", "kantor kelurahan")
# (app/web text, SMS text after the keyword); SMS is short and informal.
_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "jalan": (("Jalan berlubang di {jalan} dekat {patokan}. Sudah beberapa pengendara motor "
               "jatuh, apalagi kalau hujan lubangnya tertutup air.",
               "jalan rusak di {jalan} depan {patokan}"),
              ("Aspal {jalan} Kelurahan {kel} mengelupas sepanjang {meter} meter, mohon segera "
               "diperbaiki sebelum ada korban.", "aspal {jalan} ngelupas, bahaya buat motor")),
    "PJU": (("Lampu PJU di {jalan} dekat {patokan} mati sudah {hari} hari, jalan gelap dan "
             "rawan begal.", "pju mati di {jalan} sdh {hari} hari"),),
    "sampah": (("Sampah menumpuk di {jalan} dekat {patokan}, sudah {hari} hari tidak diangkut "
                "dan baunya sampai ke rumah warga.", "sampah numpuk di {jalan} gak diangkut"),
               ("TPS di Kelurahan {kel} penuh dan sampah meluber ke jalan.",
                "tps {kel} penuh meluber")),
    "drainase": (("Saluran air di {jalan} mampet, tiap hujan air meluap ke jalan dan rumah.",
                  "got mampet di {jalan} air meluap"),),
    "banjir": (("Banjir setinggi {cm} cm di {jalan} Kelurahan {kel} setelah hujan deras, "
                "mohon dibantu pompa dan perbaikan saluran.", "banjir {cm} cm di {jalan}"),),
    "pohon tumbang": (("Pohon tumbang menutup sebagian {jalan} dekat {patokan} dan menimpa kabel.",
                       "pohon tumbang di {jalan} nutup jalan"),),
    "parkir": (("Parkir liar di bahu {jalan} depan {patokan} bikin macet tiap sore.",
                "parkir liar {jalan} depan {patokan} macet"),),
    "perizinan": (("Pengurusan izin usaha di Mal Pelayanan Publik sudah {hari} hari belum ada "
                   "kabar, padahal berkas lengkap.", "izin usaha sdh {hari} hari blm jadi"),),
    "administrasi kependudukan": (
        ("KTP-el saya belum jadi padahal rekam data sudah {hari} minggu lalu di kantor "
         "kecamatan.", "ktp blm jadi sdh {hari} minggu"),
        ("Antrean kartu keluarga di Dispendukcapil penuh sejak pagi, mohon ditambah loket.",
         "antri kk di dispendukcapil lama sekali")),
}


def opd_reply(kategori: str) -> dict[str, str]:
    oleh = OPD_NAMA.get(kategori, "Diskominfo Kota Malang")
    return {"isi": "Terima kasih atas laporannya, petugas kami sudah menindaklanjuti di lokasi.",
            "oleh": oleh}


def to_msisdn(number: str) -> str:
    """SMS gateways give the sender in international form (+62…), the app in local form (08…)."""
    return "+62" + number[1:] if number.startswith("0") else number


def make_records(n: int, seed: int, bad_rate: float, anchor: datetime) -> list[dict[str, Any]]:
    """``n`` reports dated in the 30 days before ``anchor``, oldest change first, no feed ids."""
    rng = random.Random(f"sambat:{seed}")
    pool = residents(KODE_KOTA_MALANG, seed)
    kecamatan = [nama for _, nama in city(KODE_KOTA_MALANG).kecamatan]
    records: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        kanal = rng.choices(list(KANAL_WEIGHTS), weights=list(KANAL_WEIGHTS.values()))[0]
        kategori = rng.choices(list(_KATEGORI_WEIGHTS), weights=list(_KATEGORI_WEIGHTS.values()))[0]
        kec = rng.choice(kecamatan)
        kel = rng.choice(KELURAHAN.get(kec, ("Klojen",)))
        jalan = rng.choice(_STREETS)
        words = {"jalan": jalan, "kel": kel, "patokan": rng.choice(_LANDMARKS),
                 "hari": rng.randint(2, 14), "cm": rng.choice((20, 30, 50, 70)),
                 "meter": rng.choice((20, 50, 100))}
        long_text, sms_text = (t.format(**words) for t in rng.choice(_TEXTS[kategori]))
        status = rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        dibuat = anchor - timedelta(seconds=rng.uniform(3600, 30 * 86400))
        diperbarui = dibuat
        for _ in range(_VERSI[status] - 1):
            diperbarui += timedelta(seconds=rng.uniform(600, 2 * 86400))
        diperbarui = min(diperbarui, anchor - timedelta(seconds=1))
        record: dict[str, Any] = {
            "feed_id": 0, "id": f"SBT-{i:06d}", "versi": _VERSI[status], "kanal": kanal,
            "isi": long_text, "kategori": kategori, "status": status,
            "pengirim": None, "lokasi": None, "foto": [], "balasan": [],
            "dibuat": dibuat, "diperbarui": diperbarui,
        }
        if kanal == "sms":
            record["isi"] = f"{rng.choice(('Sambat', 'SAMBAT', 'sambat'))} {sms_text}"
            record["pengirim"] = {"no_hp": to_msisdn(phone(rng))}
        else:
            who = rng.choice(pool)
            nik = unknown_nik(KODE_KOTA_MALANG, rng) if rng.random() < 0.03 else who.nik
            record["pengirim"] = {"nik": nik, "nama": who.nama, "no_hp": who.telepon}
            gps = kanal == "app"
            record["lokasi"] = {
                "alamat": jalan, "kelurahan": kel, "kecamatan": kec,
                "lat": round(rng.uniform(-8.05, -7.92), 6) if gps else None,
                "lng": round(rng.uniform(112.58, 112.68), 6) if gps else None}
            if gps:
                record["foto"] = [f"https://sambat.malangkota.go.id/foto/SBT-{i:06d}-{k}.jpg"
                                  for k in range(rng.choice((0, 1, 1, 2)))]
        if status in ("dijawab", "selesai"):
            record["balasan"] = [{**opd_reply(kategori), "waktu": diperbarui}]
        if rng.random() < bad_rate:
            _spoil(record, rng)
        records.append(record)
    records.sort(key=lambda r: (r["diperbarui"], r["id"]))
    for record in records:
        for reply in record["balasan"]:
            reply["waktu"] = iso(reply["waktu"])
        record["dibuat"] = iso(record["dibuat"])
        record["diperbarui"] = iso(record["diperbarui"])
    return records


def _spoil(record: dict[str, Any], rng: random.Random) -> None:
    """Invalid at the source (unlike malformed_rate, which corrupts on the wire)."""
    flaws = {"sms": ("empty_sms", "kategori"), "app": ("nik", "kategori"), "web": ("kategori",)}
    flaw = rng.choice(flaws[record["kanal"]])
    if flaw == "empty_sms":
        # A sender who types only the keyword: nothing to report.
        record["isi"] = rng.choice(("Sambat", "Sambat ", "SAMBAT   "))
    elif flaw == "nik":
        record["pengirim"]["nik"] = invalid_nik(KODE_KOTA_MALANG, rng)
    else:
        record["kategori"] = "lainnya"
