"""What the Dukcapil gateway says, word for word: code table, ``RESPON`` texts, verdicts.

Sources: ``shared/design/external-systems.md`` §1.4–1.6. Texts are the ones seen on the wire;
06 and 08 were never quoted publicly, so their texts here are assumed.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from simulators.population import Resident

CODE_TEXTS = {
    "03": "Login Gagal",
    "04": "IP Tidak Sesuai",
    "05": "Kuota Akses Hari Ini Telah Habis",
    "06": "Akses Di Luar Jam Layanan",  # assumed text
    "07": "Parameter Tidak Lengkap / Tidak Valid",
    "08": "NIK Tidak Dapat Diproses",  # assumed text
    "09": "User, password dan IP tidak boleh kosong",
    "10": "IP Tidak Valid",
    "11": "Data Ditemukan, Meninggal Dunia",
    "12": "Data Ditemukan, Data Ganda",
    "13": "Data Tidak Ditemukan, NIK tidak terdapat di database Kependudukan",
    "14": "Data Ditemukan, Status Non Aktif silahkan hubungi Dinas Dukcapil",
    "15": "Data Tidak Ditemukan, NIK tidak sesuai format Dukcapil",
    "16": "Instansi Tidak Aktif",
    "17": "User ID Tidak Aktif",
}
# CALL_NIK errors carry only a text (§1.6); the case differs between gateways.
CALL_NIK_TEXTS = {
    "03": "Login Gagal",
    "04": "IP Address Tidak Sesuai",
    "05": "Kuota Akses Hari ini telah Habis",
    "10": "IP Client  Tidak terdaftar",  # two spaces, as seen
    "13": "Data Tidak Ditemukan",
    "15": "Data Tidak Ditemukan",
}
FUZZY = frozenset({"NAMA_LGKP", "TMPT_LHR", "NAMA_LGKP_IBU", "ALAMAT", "KEL_NAME", "KEC_NAME",
                   "KAB_NAME", "PROP_NAME"})


def envelope(item: dict[str, Any], quota_left: int) -> dict[str, Any]:
    return {"content": [item], "lastPage": True, "numberOfElements": 1, "sort": None,
            "totalElements": 1, "firstPage": True, "number": 0, "size": 1,
            "quotaLimiter": quota_left}


def refusal(code: str, text_key: str) -> dict[str, Any]:
    return {"RESPONSE_CODE": code, text_key: CODE_TEXTS[code]}


def call_nik_error(code: str, lower: bool) -> dict[str, Any]:
    text = CALL_NIK_TEXTS.get(code, CODE_TEXTS[code])
    return {"RESPON": text.capitalize() if lower else text}


def _norm(text: str) -> str:
    return " ".join(text.upper().split())


def score(given: str, actual: str) -> int:
    return round(SequenceMatcher(None, _norm(given), _norm(actual)).ratio() * 100)


def verdict(element: str, given: str, actual: str, threshold: int) -> str:
    """``Sesuai (NN)`` / ``Tidak Sesuai (NN)`` for fuzzy elements (a score even at 100 and on a
    mismatch), plain ``Sesuai`` / ``Tidak Sesuai`` for exact ones."""
    if element in FUZZY:
        points = score(given, actual)
        return f"{'Sesuai' if points >= threshold else 'Tidak Sesuai'} ({points})"
    return "Sesuai" if _norm(given) == _norm(actual) else "Tidak Sesuai"


def recorded(who: Resident) -> dict[str, str]:
    """The resident as Dukcapil holds them, by element name."""
    return {"NIK": who.nik, "NAMA_LGKP": who.nama.upper(), "TMPT_LHR": who.tempat_lahir.upper(),
            "TGL_LHR": who.tanggal_lahir.strftime("%d-%m-%Y"), "JENIS_KLMIN": who.jenis_kelamin,
            "ALAMAT": who.alamat.upper(), "KEL_NAME": who.kelurahan.upper(),
            "KEC_NAME": who.kecamatan.upper(), "KAB_NAME": who.kabkota.upper(),
            "PROP_NAME": who.provinsi.upper()}


def person(record: dict[str, str], who_code: str) -> dict[str, str]:
    """A ``CALL_NIK`` success item: the person's data, codes as digit strings."""
    return {**record, "NO_KK": record["NIK"][:6] + "0101" + record["NIK"][10:],
            "AGAMA": "ISLAM", "STATUS_KAWIN": "KAWIN", "JENIS_PKRJN": "KARYAWAN SWASTA",
            "PDDK_AKH": "SLTA/SEDERAJAT", "NAMA_LGKP_IBU": "", "NO_RT": "3", "NO_RW": "2",
            "NO_PROP": who_code[:2], "NO_KAB": who_code[2:4], "NO_KEC": "0" + who_code[4:6],
            "NO_KEL": "1001", "EKTP_STATUS": "ELEKTRONIK"}
