from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.privacy.masking import (
    NameRegistry,
    mask_email,
    mask_name,
    mask_nik,
    mask_nip,
    mask_phone,
    scrub_text,
)

NIK = "3671015501900001"
NIP = "198501012010011001"


@pytest.fixture
def registry() -> NameRegistry:
    return NameRegistry(maxsize=3)


def test_mask_nik_keeps_region_and_serial() -> None:
    assert mask_nik(NIK) == "3671********0001"


def test_mask_nik_hides_everything_when_too_short_to_hide_half() -> None:
    assert mask_nik("1234567") == "***"
    assert mask_nik("") == ""


def test_mask_nip_keeps_first_and_last_four() -> None:
    assert mask_nip(NIP) == "1985**********1001"
    assert mask_nip("19850101 201001 1 001") == "1985**********1001"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("081234567890", "0812******90"),
        ("0812-3456-789", "0812*****89"),
        ("+6281234567890", "+62812******90"),
        ("+62 812 3456 7890", "+62812******90"),
        ("6281234567890", "62812******90"),
    ],
)
def test_mask_phone_keeps_operator_prefix_and_last_two(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_email_keeps_first_letter_and_domain() -> None:
    assert mask_email("budi.santoso@mail.id") == "b***@mail.id"
    assert mask_email("not-an-email") == "***"


def test_mask_name_keeps_initials() -> None:
    assert mask_name("Budi Santoso") == "B*** S***"
    assert mask_name("M. Ridwan") == "M*** R***"
    assert mask_name("") == ""


def test_scrub_text_masks_every_kind_in_mixed_text() -> None:
    text = (
        f"Pelapor Budi Santoso NIK {NIK} (nik:3671-0155-0190-0001), NIP {NIP}, "
        "WA +62 812-3456-7890, HP 081234567890, surel budi.santoso@mail.id"
    )
    scrubbed = scrub_text(text, ["Budi Santoso"], registry=None)
    assert scrubbed == (
        "Pelapor B*** S*** NIK 3671********0001 (nik:3671********0001), NIP 1985**********1001, "
        "WA +62812******90, HP 0812******90, surel b***@mail.id"
    )


def test_scrub_text_masks_nik_glued_to_letters() -> None:
    assert scrub_text(f"NIK{NIK}.", registry=None) == "NIK3671********0001."


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-12T10:00:00+07:00",
        "2024-08-12T10:00:00.123456Z",
        "tanggal 08-12-2024 1030",
        "tracking LPR12345678 diterima",
        "antrian 1234, 123456789, 12345",
        "call center 0800-1-500-888",
        "epoch 1718000000000",
        "17 digits 36710155019000011 stay",
        "kecamatan 367101, kode pos 15111",
    ],
)
def test_scrub_text_leaves_non_personal_numbers_alone(text: str) -> None:
    assert scrub_text(text, registry=None) == text


def test_scrub_text_names_match_whole_words_case_insensitively() -> None:
    names = ["Budi Santoso", "Siti"]
    assert (
        scrub_text("BUDI  SANTOSO dan siti, bukan Sitinjak", names, registry=None)
        == "B*** S*** dan s***, bukan Sitinjak"
    )


def test_scrub_text_prefers_the_longest_known_name() -> None:
    scrubbed = scrub_text(
        "Muhammad Rizki Pratama", ["Muhammad", "Muhammad Rizki Pratama"], registry=None
    )
    assert scrubbed == "M*** R*** P***"


def test_names_with_degrees_and_honorifics_match_their_core() -> None:
    names = ["Dr. Melinda Santoso, S.H., M.Kom."]
    text = "Melinda Santoso dan dr. melinda santoso, S.H., M.Kom. hadir"
    assert (
        scrub_text(text, names, registry=None) == "M*** S*** dan d*** m*** s***, S.H., M.Kom. hadir"
    )


def test_scrub_text_ignores_names_too_short_to_mask_safely() -> None:
    assert scrub_text("Al datang", ["Al"], registry=None) == "Al datang"


def test_registered_names_are_masked_later(registry: NameRegistry) -> None:
    registry.register(["Dewi Lestari"])
    assert scrub_text("dari dewi lestari", registry=registry) == "dari d*** l***"


def test_registry_evicts_least_recently_registered(registry: NameRegistry) -> None:
    registry.register(["Andi", "Bayu", "Citra"])
    registry.register(["Andi"])  # refreshed: Bayu is now the oldest
    registry.register(["Dimas"])
    assert len(registry) == 3
    assert "Bayu" not in registry
    assert "Andi" in registry
    assert scrub_text("Bayu dan Andi", registry=registry) == "Bayu dan A***"


def test_registry_eviction_keeps_longer_names_sharing_a_prefix() -> None:
    registry = NameRegistry(maxsize=1)
    registry.register(["Budi Santoso Wijaya"])
    registry.register(["Budi Santoso"])
    assert scrub_text("Budi Santoso Wijaya", registry=registry) == "B*** S*** Wijaya"


def test_registry_is_safe_under_concurrent_registration_and_scrubbing() -> None:
    registry = NameRegistry(maxsize=50)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(500):
                registry.register([f"Warga Nomor{offset}x{i}"])
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(500):
                scrub_text("Warga Nomor0x499 melapor", registry=registry)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(registry) == 50


_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_nik_strategy = st.builds(
    lambda region, day, female, month, yy, serial: (
        f"{region}{day + 40 * female:02d}{month:02d}{yy:02d}{serial:04d}"
    ),
    st.sampled_from(["367101", "157102", "317401", "110101", "947101", "620101"]),
    st.integers(1, 28),
    st.booleans(),
    st.integers(1, 12),
    st.integers(0, 99),
    st.integers(1, 9999),
)
_separator = st.sampled_from([" ", ":", "=", "\n", "\t", ", ", "(", "/"])


@given(
    nik=_nik_strategy,
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    sep_before=_separator,
    sep_after=_separator,
)
def test_scrub_text_never_leaves_a_nik_in_the_output(
    nik: str, before: str, after: str, sep_before: str, sep_after: str
) -> None:
    scrubbed = scrub_text(before + sep_before + nik + sep_after + after, registry=None)
    assert nik not in scrubbed
    assert mask_nik(nik) in scrubbed


@pytest.mark.parametrize(
    ("text", "leak", "masked"),
    [
        ("NIK 367101550190000 salah ketik", "367101550190000", "NIK *** salah ketik"),
        ("nik: 36710155019000011.", "36710155019000011", "nik: 3671*********0011."),
        ("No. KTP 3671-015501-900001", "015501", "No. KTP 3671********0001"),
        ("e-KTP=3671 0155 0190 000", "0155 0190", "e-KTP=***"),
        ("nomor induk kependudukan 3671015501900001",
         "3671015501900001", "nomor induk kependudukan 3671********0001"),
    ],
)
def test_labelled_nik_of_the_wrong_length_is_masked_in_free_text(
    text: str, leak: str, masked: str
) -> None:
    scrubbed = scrub_text(text, registry=None)
    assert leak not in scrubbed
    assert scrubbed == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("WA 6281234567890 ya", "WA 62812******90 ya"),
        ("hub:+6281234567890.", "hub:+62812******90."),
        ("telp 62-812-3456-7890", "telp 62812******90"),
        ("+62 (812) 3456 7890", "+62812******90"),
        ("+62(812)34567890", "+62812******90"),
        ("HP (0812) 3456-7890", "HP 0812******90"),
        ("wa.me/6281234567890?text=halo", "wa.me/62812******90?text=halo"),
        ("hubungi62812345678 sore", "hubungi62812****78 sore"),
    ],
)
def test_phones_written_with_the_country_code_are_masked_in_free_text(
    text: str, masked: str
) -> None:
    assert scrub_text(text, registry=None) == masked


def test_nik_and_phone_inside_a_complaint_text_are_both_masked() -> None:
    text = (
        f"Saya warga RT 03 (NIK:{NIK}) melapor jalan rusak sejak 08-12-2024, "
        "balas ke WA+6281234567890 atau 62-813-1111-2222."
    )
    assert scrub_text(text, registry=None) == (
        "Saya warga RT 03 (NIK:3671********0001) melapor jalan rusak sejak 08-12-2024, "
        "balas ke WA+62812******90 atau 62813******22."
    )


_mobile = st.builds(
    lambda prefix, operator, rest, sep: prefix + "8" + operator + sep + sep.join(
        rest[i : i + 4] for i in range(0, len(rest), 4)
    ),
    st.sampled_from(["0", "62", "+62", "+62 ", "62-"]),
    st.sampled_from(["11", "12", "13", "21", "52", "77", "95", "99"]),
    st.text("0123456789", min_size=6, max_size=9),
    st.sampled_from(["", " ", "-", "."]),
)


@given(phone=_mobile, before=st.text(max_size=20), after=st.text(max_size=20))
def test_scrub_text_never_leaves_a_mobile_number_in_the_output(
    phone: str, before: str, after: str
) -> None:
    scrubbed = scrub_text(f"{before} {phone} {after}", registry=None)
    digits = re.sub(r"\D", "", phone)
    # The subscriber part (after the operator prefix) never survives in any form.
    assert digits[-6:] not in re.sub(r"\D", "", scrubbed.replace(before, "").replace(after, ""))
