"""The compiled fast path and jsonschema agree where their regex engines differ."""

from __future__ import annotations

import pytest

from hub.mapping.validation import RawValidator

NOT_BLANK = RawValidator({"type": "object", "required": ["judul"],
                          "properties": {"judul": {"type": "string", "pattern": "\\S"}}})
NIK = RawValidator({"type": "object",
                    "properties": {"nik": {"type": "string", "pattern": "^[0-9]{16}$"}}})


@pytest.mark.parametrize("blank", ["\x1c", "\x1f", "\x85", " \t", "\u3000"])
def test_a_title_of_only_whitespace_is_a_violation_on_both_paths(blank: str) -> None:
    violations = NOT_BLANK.violations({"judul": blank})
    assert [v.path for v in violations] == ["$.judul"]


def test_a_real_title_passes() -> None:
    assert NOT_BLANK.violations({"judul": "Jalan rusak"}) == []


def test_jsonschema_decides_when_the_engines_differ_on_a_final_newline() -> None:
    # Python's ``$`` matches before a trailing newline; jsonschema (the authority) accepts it.
    assert NIK.violations({"nik": "3671012345678901\n"}) == []
    assert [v.path for v in NIK.violations({"nik": "36710123456789012"})] == ["$.nik"]


def test_formats_are_checked_as_jsonschema_checks_them() -> None:
    dated = RawValidator({"type": "string", "format": "date-time"})
    assert dated.violations("2026-12-03T10:00:00+07:00") == []
    assert dated.violations("2026-12-03T10:00:00")  # no offset: rejected by the hub's rule
    assert dated.violations("not a date")
    email = RawValidator({"type": "string", "format": "email"})
    assert email.violations("not an e-mail") == []  # a format the hub does not check
