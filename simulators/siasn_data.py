"""The SIASN sandbox's civil servants, shaped as BKN answers (external-systems.md §2.5–2.8).

Every OPD (a Dinas/Badan, ``unorIndukId``) of the five cities has sub-units (``unorId``) and
staff: its head (struktural), a complaint officer and a deputy (pelaksana), and fungsional staff.
NIPs and ids depend only on the OPD code, never on the seed, so ``mappings/officers.yaml`` can
name them; the seed only changes names. Values follow the real quirks: dates ``dd-mm-yyyy`` with
``"01-01-0001"`` for none, ``""`` for missing, upper-case unit, post and person names, older ids
upper-case hex, newer unit ids lower-case hex, history record ids dashed UUIDs.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

from faker import Faker

NO_DATE = "01-01-0001"
COMPLAINT_POST = "PENGELOLA PENGADUAN MASYARAKAT"
COMPLAINT_POST_ID = "8ae48288597fac650159824e0aa10001"
OTHER_POSTS = ("PRANATA KOMPUTER AHLI PERTAMA", "ANALIS KEBIJAKAN AHLI MUDA",
               "PENELAAH TEKNIS KEBIJAKAN")
CITIES = {"JAMBI": "Kota Jambi", "TANGERANG": "Kota Tangerang", "MALANG": "Kota Malang",
          "PEKALONGAN": "Kota Pekalongan", "SAMARINDA": "Kota Samarinda"}
OPDS = {
    "DPUPR": "DINAS PEKERJAAN UMUM DAN PENATAAN RUANG",
    "DPUPRPKP": "DINAS PEKERJAAN UMUM, PENATAAN RUANG, PERUMAHAN DAN KAWASAN PERMUKIMAN",
    "DISHUB": "DINAS PERHUBUNGAN", "DLH": "DINAS LINGKUNGAN HIDUP",
    "BPBD": "BADAN PENANGGULANGAN BENCANA DAERAH",
    "DISKOMINFO": "DINAS KOMUNIKASI DAN INFORMATIKA",
    "SATPOLPP": "SATUAN POLISI PAMONG PRAJA",
    "DISPENDUKCAPIL": "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    "DPMPTSP": "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU",
    "DISPERKIMTAN": "DINAS PERUMAHAN, KAWASAN PERMUKIMAN DAN PERTANAHAN",
}
OPD_CODES = tuple(f"{opd}-KOTA-{city}" for city in CITIES for opd in OPDS)
SUB_UNITS = ("SEKRETARIAT", "BIDANG PELAYANAN")
ROLES = ("head", "officer", "deputy")


def _hex(text: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"siasn/{text}").hex


def unor_induk_id(code: str) -> str:
    """The OPD's unit id: lower-case hex, as newer SIASN unit ids are."""
    return _hex(f"unor/{code}")


def sub_unor_id(code: str, i: int) -> str:
    return _hex(f"unor/{code}/{i}")


def instansi_id(city: str) -> str:
    return _hex(f"instansi/{city}").upper()  # older ids are upper case


def opd_name(code: str) -> str:
    opd, _, city = code.partition("-KOTA-")
    return f"{OPDS[opd]} {CITIES[city].upper()}"


def city_of(code: str) -> str:
    return code.partition("-KOTA-")[2]


def make_nip(rng: random.Random, used: set[str]) -> str:
    while True:
        born = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
        appointed = (min(born.year + rng.randint(22, 30), 2024), rng.randint(1, 12))
        nip = (f"{born:%Y%m%d}{appointed[0]:04d}{appointed[1]:02d}{rng.choice('12')}"
               f"{rng.randint(1, 999):03d}")
        if nip not in used:
            used.add(nip)
            return nip


def nips_of(code: str, per_opd: int) -> list[str]:
    """The NIPs of an OPD's staff, head first, then officer and deputy: seed-independent."""
    rng, used = random.Random(f"siasn:{code}"), set[str]()
    return [make_nip(rng, used) for _ in range(per_opd)]


def _dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def post_fields(kind: str, title: str, post_id: str = "") -> dict[str, str]:
    """The title sits in a different field per ``jenisJabatan`` ("1", "2", "4"), others ``""``."""
    return {"jenisJabatan": kind,
            "namaJabatan": title if kind == "1" else "",
            "jabatanFungsionalId": post_id if kind == "2" else "",
            "jabatanFungsionalNama": title if kind == "2" else "",
            "jabatanFungsionalUmumId": post_id if kind == "4" else "",
            "jabatanFungsionalUmumNama": title if kind == "4" else ""}


def history_item(person: dict[str, Any], kind: str, title: str, post_id: str,
                 unor: tuple[str, str], induk: tuple[str, str], since: date) -> dict[str, Any]:
    record = uuid.UUID(_hex(f"rw/{person['nipBaru']}/{since}/{title}/{unor[0]}"))
    return {"id": str(record), "idPns": person["id"], "nipBaru": person["nipBaru"],
            **post_fields(kind, title, post_id), "instansiKerjaId": person["instansiKerjaId"],
            "instansiKerjaNama": person["instansiKerjaNama"], "unorId": unor[0],
            "unorNama": unor[1], "unorIndukId": induk[0], "unorIndukNama": induk[1],
            "eselon": "II.b" if kind == "1" else "", "eselonId": "22" if kind == "1" else "",
            "tmtJabatan": _dmy(since), "tanggalSk": _dmy(since),
            "nomorSk": f"800/{since.year}/{person['nipBaru'][-3:]}", "tmtPelantikan": NO_DATE,
            "tmtMutasi": NO_DATE, "jenisPenugasanId": "D", "jenisMutasiId": "",
            "subJabatanId": "0", "createdAt": _dmy(since), "path": {}}


def _post_of(index: int) -> tuple[str, str, str]:
    if index == 0:
        return "1", "KEPALA", ""
    if index in (1, 2):
        return "4", COMPLAINT_POST, COMPLAINT_POST_ID
    return "2", OTHER_POSTS[(index - 3) % len(OTHER_POSTS)], _hex(f"post/{index}")


def make_staff(per_opd: int, seed: int, today: date) -> list[dict[str, Any]]:
    """``per_opd`` (at least 4) staff in every OPD; their records with a shuffled history."""
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    staff: list[dict[str, Any]] = []
    for code in OPD_CODES:
        city = city_of(code)
        pemda = f"Pemerintah {CITIES[city]}"  # institution names are mixed case
        induk = (unor_induk_id(code), opd_name(code))
        for i, nip in enumerate(nips_of(code, max(per_opd, 4))):
            kind, title, post_id = _post_of(i)
            if kind == "1":
                title = f"KEPALA {opd_name(code)}"
            unor = induk if i == 0 else (sub_unor_id(code, i % 2),
                                         f"{SUB_UNITS[i % 2]} {opd_name(code)}")
            since = date(today.year - rng.randint(1, 6), rng.randint(1, 12), rng.randint(1, 28))
            person: dict[str, Any] = {
                "id": _hex(f"pns/{nip}").upper(), "nipBaru": nip, "nipLama": "",
                "nama": fake.name().upper(), "gelarDepan": "", "gelarBelakang": "",
                "tempatLahir": CITIES[city].removeprefix("Kota ").upper(),
                "tglLahir": f"{nip[6:8]}-{nip[4:6]}-{nip[:4]}", "nik": "",
                "kedudukanPnsId": "01", "kedudukanPnsNama": "Aktif", "statusPegawai": "PNS",
                "instansiIndukId": instansi_id(city), "instansiIndukNama": pemda,
                "instansiKerjaId": instansi_id(city), "instansiKerjaNama": pemda,
                "satuanKerjaIndukId": induk[0], "satuanKerjaIndukNama": induk[1],
                "unorId": unor[0], "unorNama": unor[1], "unorIndukId": induk[0],
                "unorIndukNama": induk[1], "golRuangAkhirId": "34", "golRuangAkhir": "III/d",
                "tmtGolAkhir": _dmy(since), "eselon": "", "eselonId": "", "eselonLevel": "",
                "lokasiKerja": CITIES[city].upper(), "mkTahun": "10", "mkBulan": "2",
                "tmtPensiun": NO_DATE, "updated": _dmy(today), "validNik": "",
            }
            set_post(person, kind, title, post_id, since)
            earlier = date(since.year - 3, since.month, since.day)
            person["riwayat"] = [
                history_item(person, "4", "PENGADMINISTRASI UMUM", "", unor, induk, earlier),
                history_item(person, kind, title, post_id, unor, induk, since)]
            rng.shuffle(person["riwayat"])  # the real order is not guaranteed
            staff.append(person)
    return staff


def set_post(person: dict[str, Any], kind: str, title: str, post_id: str, since: date) -> None:
    """``data-utama``'s post fields: ``jabatanNama`` here (unlike rw-jabatan) and the ids."""
    person.update(jenisJabatanId=kind, jenisJabatan={"1": "Struktural", "2": "Fungsional",
                                                     "4": "Pelaksana"}[kind],
                  jabatanNama=title, jabatanStrukturalId=post_id if kind == "1" else "",
                  jabatanStrukturalNama=title if kind == "1" else "",
                  jabatanFungsionalId=post_id if kind == "2" else "",
                  jabatanFungsionalNama=title if kind == "2" else "",
                  jabatanFungsionalUmumId=post_id if kind == "4" else "",
                  jabatanFungsionalUmumNama=title if kind == "4" else "",
                  tmtJabatan=_dmy(since), eselon="II.b" if kind == "1" else "",
                  eselonId="22" if kind == "1" else "")


def ref_unor(staff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``referensi/ref-unor`` items: each OPD with its head's PNS id, and its sub-units."""
    heads = {s["unorIndukId"]: s["id"] for s in staff if s["jenisJabatanId"] == "1"}
    items: list[dict[str, Any]] = []
    for code in OPD_CODES:
        city, induk = city_of(code), unor_induk_id(code)
        items.append({"Id": induk, "InstansiId": instansi_id(city), "DiatasanId": "",
                      "IndukUnorId": induk, "EselonId": "22", "NamaUnor": opd_name(code),
                      "NamaJabatan": f"KEPALA {opd_name(code)}", "CepatKode": code[:12],
                      "JenisUnorId": "1", "PemimpinPnsId": heads.get(induk, "")})
        for i, sub in enumerate(SUB_UNITS):
            items.append({"Id": sub_unor_id(code, i), "InstansiId": instansi_id(city),
                          "DiatasanId": induk, "IndukUnorId": induk, "EselonId": "31",
                          "NamaUnor": f"{sub} {opd_name(code)}", "NamaJabatan": "",
                          "CepatKode": "", "JenisUnorId": "2", "PemimpinPnsId": ""})
    return items
