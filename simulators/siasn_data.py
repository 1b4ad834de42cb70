"""The SIASN sandbox's civil servants: units (unor) of the five cities' OPDs and their staff.

Unit ids are deterministic (``unor_id(code)``), so ``mappings/officers.yaml`` can name them.
Every unit has one "Pengelola Pengaduan Masyarakat" (the complaint officer) and a few others.
A NIP is 18 digits: birth date YYYYMMDD, appointment YYYYMM, gender (1/2), serial (3).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime

from faker import Faker

from simulators.clock import iso

COMPLAINT_POST = "Pengelola Pengaduan Masyarakat"
OTHER_POSTS = ("Analis Kebijakan Ahli Muda", "Pranata Komputer Ahli Pertama",
               "Pengadministrasi Umum", "Penelaah Teknis Kebijakan")
GOLONGAN = ("II/c", "III/a", "III/b", "III/c", "III/d", "IV/a")
# (OPD code, name): the city's Pemerintah Kota is the parent (unorInduk) of each.
CITIES = {"JAMBI": "Kota Jambi", "TANGERANG": "Kota Tangerang", "MALANG": "Kota Malang",
          "PEKALONGAN": "Kota Pekalongan", "SAMARINDA": "Kota Samarinda"}
OPDS = {
    "DPUPR": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "DPUPRPKP": "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan dan Kawasan Permukiman",
    "DISHUB": "Dinas Perhubungan", "DLH": "Dinas Lingkungan Hidup",
    "BPBD": "Badan Penanggulangan Bencana Daerah",
    "DISKOMINFO": "Dinas Komunikasi dan Informatika",
    "SATPOLPP": "Satuan Polisi Pamong Praja",
    "DISPENDUKCAPIL": "Dinas Kependudukan dan Pencatatan Sipil",
    "DPMPTSP": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "DISPERKIMTAN": "Dinas Perumahan, Kawasan Permukiman dan Pertanahan",
}
UNIT_CODES = tuple(f"{opd}-KOTA-{city}" for city in CITIES for opd in OPDS)


def unor_id(code: str) -> str:
    """SIASN unor ids are 32 hex digits; these are derived from the code, stable across runs."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"siasn/unor/{code}").hex.upper()


def induk_id(city: str) -> str:
    return unor_id(f"PEMKOT-{city}")


def unit_name(code: str) -> str:
    opd, _, city = code.partition("-KOTA-")
    return f"{OPDS[opd]} {CITIES[city]}"


def make_nip(rng: random.Random, used: set[str]) -> str:
    while True:
        born = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
        appointed = (min(born.year + rng.randint(22, 30), 2024), rng.randint(1, 12))
        nip = (f"{born:%Y%m%d}{appointed[0]:04d}{appointed[1]:02d}{rng.choice('12')}"
               f"{rng.randint(1, 999):03d}")
        if nip not in used:
            used.add(nip)
            return nip


def make_staff(per_unit: int, seed: int, now: datetime) -> list[dict[str, object]]:
    """``per_unit`` staff in every unit, the first of each the complaint officer."""
    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    used: set[str] = set()
    staff: list[dict[str, object]] = []
    for code in UNIT_CODES:
        city = code.partition("-KOTA-")[2]
        for i in range(per_unit):
            post = COMPLAINT_POST if i == 0 else OTHER_POSTS[(i - 1) % len(OTHER_POSTS)]
            since = iso(now.replace(year=now.year - rng.randint(1, 6)))
            staff.append({
                "nipBaru": make_nip(rng, used), "nama": fake.name(), "unorId": unor_id(code),
                "unorNama": unit_name(code), "unorIndukId": induk_id(city),
                "unorIndukNama": f"Pemerintah {CITIES[city]}", "jabatanNama": post,
                "golRuangAkhir": rng.choice(GOLONGAN), "tmtJabatan": since,
                "riwayat": [{"unorId": unor_id(code), "unorNama": unit_name(code),
                             "jabatanNama": post, "tmtJabatan": since}],
            })
    return staff
