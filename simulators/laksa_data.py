"""Deterministic Laksa (Kota Tangerang) reports: short citizen posts whose hashtags name the topic.

Hashtag habits are seeded at rates a moderator of such a feed sees: most posts carry one topic tag
(often beside a city tag), some two topic tags, some none, some only tags no SKPD owns.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.population import city, invalid_nik, residents, unknown_nik

KODE_KOTA_TANGERANG = "3671"
STATUSES = ("menunggu", "proses", "selesai")
_STATUS_WEIGHTS = (35, 35, 30)
_STEPS = {"menunggu": 0, "proses": 1, "selesai": 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# Topic → the tags citizens use for it; the first is the usual one.
_TOPICS: dict[str, tuple[str, ...]] = {
    "jalanrusak": ("#jalanrusak", "#JalanRusak"), "sampah": ("#sampah",),
    "lampumati": ("#lampumati", "#pju", "#PJU"), "banjir": ("#banjir", "#Banjir"),
    "drainase": ("#drainase",), "pohontumbang": ("#pohontumbang",),
    "parkirliar": ("#parkirliar",), "pkl": ("#pkl", "#PKL"), "pelayanan": (),
}
_TOPIC_WEIGHTS = (22, 18, 12, 10, 9, 5, 8, 8, 8)
_RELATED = {"banjir": "drainase", "drainase": "banjir", "sampah": "drainase",
            "jalanrusak": "drainase", "parkirliar": "pkl", "pkl": "parkirliar",
            "pohontumbang": "lampumati", "lampumati": "jalanrusak", "pelayanan": "sampah"}
# Tags no SKPD owns: the city's own campaign tags, place names, pleas.
_NOISE_TAGS = ("#TangerangKota", "#LaksaTangerang", "#tolong", "#wargatangerang", "#Ciledug",
               "#Cipondoh", "#Karawaci", "#pelayananpublik", "#mohondibantu")
# (one known tag, two known tags, no tag, only unknown tags)
_TAG_MODES = ("one", "two", "none", "unknown")
_TAG_MODE_WEIGHTS = (70, 10, 10, 10)
# Real kelurahan of Kota Tangerang. Kept here rather than in kelurahan.py: the population draws
# from that table, and a longer tuple there would reshuffle every seeded Tangerang resident.
_KELURAHAN = {
    "Tangerang": ("Babakan", "Buaran Indah", "Cikokol", "Kelapa Indah", "Sukaasih", "Sukarasa"),
    "Jatiuwung": ("Alam Jaya", "Gandasari", "Jatake", "Keroncong", "Manis Jaya", "Pasir Jaya"),
    "Batuceper": ("Batuceper", "Batujaya", "Batusari", "Kebon Besar", "Poris Gaga", "Poris Jaya"),
    "Benda": ("Belendung", "Benda", "Jurumudi", "Jurumudi Baru", "Pajang"),
    "Cipondoh": ("Cipondoh", "Cipondoh Indah", "Gondrong", "Kenanga", "Ketapang", "Petir",
                 "Poris Plawad"),
    "Ciledug": ("Paninggilan", "Parung Serab", "Sudimara Barat", "Sudimara Jaya", "Tajur"),
    "Karawaci": ("Bojong Jaya", "Cimone", "Gerendeng", "Karawaci", "Nusa Jaya", "Pabuaran",
                 "Pasar Baru", "Sukajadi"),
    "Periuk": ("Gebang Raya", "Gembor", "Periuk", "Periuk Jaya", "Sangiang Jaya"),
    "Cibodas": ("Cibodas", "Cibodas Baru", "Cibodasari", "Panunggangan Barat", "Uwung Jaya"),
    "Neglasari": ("Karang Anyar", "Karang Sari", "Kedaung Baru", "Kedaung Wetan", "Neglasari"),
    "Pinang (Penang)": ("Cipete", "Kunciran", "Nerogtog", "Pakojan", "Panunggangan", "Pinang"),
    "Karang Tengah": ("Karang Tengah", "Karang Mulya", "Pedurenan", "Pondok Bahar",
                      "Pondok Pucung"),
    "Larangan": ("Cipadu", "Gaga", "Kreo", "Larangan Indah", "Larangan Selatan",
                 "Larangan Utara"),
}
_STREETS = ("Jl. Daan Mogot", "Jl. M.H. Thamrin", "Jl. Jenderal Sudirman", "Jl. K.H. Hasyim Ashari",
            "Jl. Imam Bonjol", "Jl. Perintis Kemerdekaan", "Jl. Ki Samaun", "Jl. Raden Fatah",
            "Jl. Marsekal Suryadarma", "Jl. Husein Sastranegara", "Jl. H.O.S. Cokroaminoto",
            "Jl. Benteng Betawi", "Jl. Teuku Umar", "Jl. Otto Iskandardinata", "Jl. Moh. Toha",
            "Jl. Aria Santika", "Jl. Prabu Siliwangi", "Jl. Gatot Subroto")
_LANDMARKS = ("Pasar Anyar", "Masjid Raya Al-A'zhom", "Stasiun Tangerang", "Terminal Poris Plawad",
              "Situ Cipondoh", "Puspemkot", "RSUD Kota Tangerang", "Pasar Lembang",
              "Taman Potret", "Pintu Air Sepuluh", "SDN 5", "kantor kelurahan", "Tangcity")
_TEXTS: dict[str, tuple[str, ...]] = {
    "jalanrusak": (
        "Jalan berlubang di {jalan} dekat {patokan}",
        "Lubangnya dalam dan tertutup air kalau hujan, sudah ada pemotor yang jatuh.",
        "Aspal {jalan} Kelurahan {kel} mengelupas sepanjang {meter} meter",
    ),
    "sampah": (
        "Sampah menumpuk di {jalan} dekat {patokan}",
        "Sudah {hari} hari tidak diangkut, baunya sampai ke rumah warga.",
        "Ada TPS liar di lahan kosong {jalan}, Kelurahan {kel}",
    ),
    "lampumati": (
        "Lampu PJU mati di {jalan}",
        "Sudah {hari} hari gelap total di depan {patokan}, rawan begal malam hari.",
        "Beberapa tiang lampu jalan di {jalan} tidak menyala",
    ),
    "banjir": (
        "Banjir setinggi {cm} cm di RT {rt} Kelurahan {kel}",
        "Air masuk rumah sejak subuh, mohon bantuan pompa.",
        "Genangan di {jalan} dekat {patokan} tidak surut {hari} hari",
    ),
    "drainase": (
        "Saluran air mampet di {jalan}",
        "Got tersumbat lumpur dan sampah, air meluap ke jalan tiap hujan.",
        "Gorong-gorong dekat {patokan} ambles, Kelurahan {kel}",
    ),
    "pohontumbang": (
        "Pohon tumbang menutup {jalan}",
        "Menimpa kabel dan separuh badan jalan, mohon segera dievakuasi.",
        "Pohon besar di dekat {patokan} miring dan hampir roboh",
    ),
    "parkirliar": (
        "Parkir liar di bahu {jalan} depan {patokan}",
        "Bikin macet tiap sore, jukirnya minta tarif tanpa karcis.",
        "Mobil parkir dua lapis di {jalan}, Kelurahan {kel}",
    ),
    "pkl": (
        "PKL berjualan di trotoar {jalan} dekat {patokan}",
        "Pejalan kaki terpaksa turun ke jalan, mohon ditertibkan.",
        "Lapak PKL menutup saluran air di {jalan}",
    ),
    "pelayanan": (
        "Antrean rekam e-KTP di kecamatan sangat panjang",
        "Sudah datang jam 7 pagi tapi nomor antrean habis, mohon ditambah petugas.",
        "Petugas {patokan} tidak ada di tempat saat jam layanan",
    ),
}


def to_ms(stamp: datetime) -> int:
    """Epoch milliseconds, exact (no float rounding)."""
    return (stamp - _EPOCH) // _MS


def _tags(topic: str, rng: random.Random) -> str:
    mode = rng.choices(_TAG_MODES, weights=_TAG_MODE_WEIGHTS)[0]
    if topic == "pelayanan" and mode in ("one", "two"):
        mode = "unknown"  # no SKPD tag exists for counter service; citizens tag it loosely
    own = rng.choice(_TOPICS[topic]) if _TOPICS[topic] else ""
    if mode == "none":
        return ""
    if mode == "unknown":
        return " ".join(rng.sample(_NOISE_TAGS, rng.randint(1, 2)))
    tags = [own]
    if mode == "two":
        tags.append(_TOPICS[_RELATED[topic]][0])
    if rng.random() < 0.4:  # a city tag beside the topic tag, before or after it
        tags.insert(rng.randrange(len(tags) + 1), rng.choice(_NOISE_TAGS))
    return " ".join(tags)


def _text(topic: str, words: dict[str, Any], rng: random.Random) -> str:
    first, detail, alternative = _TEXTS[topic]
    headline = (first if rng.random() < 0.6 else alternative).format(**words)
    tags = _tags(topic, rng)
    if tags and rng.random() < 0.3:
        return f"{headline} {tags}\n{detail.format(**words)}"  # tagged inline, as typed
    return f"{headline}\n{detail.format(**words)}" + (f"\n\n{tags}" if tags else "")


def make_records(n: int, seed: int, bad_rate: float, anchor: datetime) -> list[dict[str, Any]]:
    """``n`` reports dated in the 30 days before ``anchor``; ``bad_rate`` of them invalid."""
    rng = random.Random(f"laksa:{seed}")
    pool = residents(KODE_KOTA_TANGERANG, seed)
    kecamatan = city(KODE_KOTA_TANGERANG).kecamatan
    records: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        topic = rng.choices(list(_TOPICS), weights=_TOPIC_WEIGHTS)[0]
        _, nama_kec = rng.choice(kecamatan)
        kel = rng.choice(_KELURAHAN.get(nama_kec, ("Sukasari",)))
        jalan = rng.choice(_STREETS)
        words = {"jalan": jalan, "kel": kel, "patokan": rng.choice(_LANDMARKS),
                 "hari": rng.randint(2, 14), "cm": rng.choice((20, 30, 40, 60, 80)),
                 "rt": f"{rng.randint(1, 15):03d}", "meter": rng.choice((20, 50, 100, 300))}
        who = rng.choice(pool)
        # SIAK-registered accounts: a NIK is always there; a few are well-formed but unknown.
        nik = unknown_nik(KODE_KOTA_TANGERANG, rng) if rng.random() < 0.03 else who.nik
        status = rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        created = anchor - timedelta(seconds=rng.uniform(3600, 30 * 86400))
        updated = created
        for _ in range(_STEPS[status]):
            updated += timedelta(seconds=rng.uniform(600, 2 * 86400))
        updated = min(updated, anchor - timedelta(seconds=1))
        lat, lng = rng.uniform(-6.25, -6.13), rng.uniform(106.58, 106.72)
        rid = 10000 + i
        record: dict[str, Any] = {
            "id": rid, "isi": _text(topic, words, rng), "status": status,
            # No GPS fix when the citizen refused location access.
            "koordinat": f"{lat:.6f},{lng:.6f}" if rng.random() > 0.05 else None,
            "alamat": f"{jalan}, RT {words['rt']}/RW {rng.randint(1, 12):03d}",
            "kelurahan": kel, "kecamatan": nama_kec,
            "pelapor": {"nik": nik, "nama": who.nama, "no_hp": who.telepon},
            "foto": [f"https://laksa.tangerangkota.go.id/storage/laporan/{rid}-{k}.jpg"
                     for k in range(rng.choice((0, 1, 1, 1, 2)))],
            "created_at": to_ms(created), "updated_at": to_ms(updated),
        }
        if rng.random() < bad_rate:
            _spoil(record, rng)
        records.append(record)
    _make_unique(records)
    return records


def _spoil(record: dict[str, Any], rng: random.Random) -> None:
    """Invalid at the source (unlike malformed_rate, which corrupts on the wire)."""
    flaw = rng.choice(("nik", "isi", "koordinat"))
    if flaw == "nik":
        record["pelapor"]["nik"] = invalid_nik(KODE_KOTA_TANGERANG, rng)
    elif flaw == "isi":
        if rng.random() < 0.5:
            del record["isi"]
        else:
            record["isi"] = "  "
    else:
        lat, lng = rng.uniform(-6.25, -6.13), rng.uniform(106.58, 106.72)
        # Decimal commas (Indonesian locale), a space for the comma, or a lone number.
        record["koordinat"] = rng.choice((f"{lat:.4f},{lng:.4f}".replace(".", ","),
                                          f"{lat:.5f} {lng:.5f}", f"{lat:.5f}"))


def _make_unique(records: list[dict[str, Any]]) -> None:
    # Page order and versions need distinct update times; a 1 ms nudge keeps created <= updated.
    previous: int | None = None
    for record in sorted(records, key=lambda r: (r["updated_at"], r["id"])):
        if previous is not None and record["updated_at"] <= previous:
            record["updated_at"] = previous + 1
        previous = record["updated_at"]
