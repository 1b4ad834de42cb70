"""Validation of raw channel records against ``schemas/<channel>.raw.json``.

Violations name the field and the rule, never the offending value: a raw record carries NIKs and
names, and a violation ends up in logs, quarantine reasons and API responses.

Two validators, one authority: ``jsonschema-rs`` (compiled, ~50x faster) answers "is this record
valid?" on the hot path, and only a record it rejects is walked again by ``jsonschema``, which
names every violation and decides. A record both accept is valid; one ``jsonschema`` accepts is
valid too (the two regex engines differ at the edges). ``tests/property`` checks that the fast one
never accepts what ``jsonschema`` rejects, on generated records of every schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


@_FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme and parts.netloc)


def _fast_check(check: Any) -> Any:
    def fast(value: str) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False
    return fast


# Only the formats ``jsonschema`` checks here; every other format passes, as it does there.
_FAST_FORMATS = {"date-time": _fast_check(_is_datetime), "uri": _fast_check(_is_uri)}


class _PythonPattern:
    """``pattern`` with Python's ``re.search``, as ``jsonschema`` applies it.

    Rust's regex engine and Python's disagree at the edges (``\\S`` against ``\\x1c`` or
    ``\\x85``; ``$`` before a final newline), and the fast validator must never accept what
    the authoritative one rejects.
    """

    def __init__(self, parent_schema: Any, value: str, schema_path: Any) -> None:
        self._regex = re.compile(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self._regex.search(instance):
            raise ValueError("pattern")


@dataclass(frozen=True)
class Violation:
    path: str  # where in the record, e.g. ``$.pelapor.nik``
    schema_path: str  # which rule, e.g. ``properties/pelapor/oneOf/1/properties/nik/pattern``
    reason: str  # what was expected, without the value

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _json_path(error: ValidationError) -> str:
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _reason(error: ValidationError) -> str:
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        # jsonschema's message is "'isi' is a required property": a key name, safe to show.
        return str(error.message)
    if rule == "type":
        return f"expected type {expected}"
    if rule in {"pattern", "format", "enum", "const", "minimum", "maximum", "minLength",
                "maxLength", "minItems", "additionalProperties"}:
        return f"violates {rule} {json.dumps(expected, ensure_ascii=False)}"
    if rule == "oneOf":
        return "matches none of the allowed shapes"
    return f"violates {rule}"


class RawValidator:
    def __init__(self, schema: dict[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self._validator = Draft202012Validator(schema, format_checker=_FORMATS)
        self._fast = jsonschema_rs.Draft202012Validator(
            schema, validate_formats=True, formats=_FAST_FORMATS, ignore_unknown_formats=True,
            keywords={"pattern": _PythonPattern})

    @classmethod
    def from_file(cls, path: Path) -> RawValidator:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def violations(self, record: Any) -> list[Violation]:
        if self._fast.is_valid(record):
            return []
        errors = sorted(self._validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        return [
            Violation(
                path=_json_path(e),
                schema_path="/".join(str(p) for p in e.absolute_schema_path),
                reason=_reason(e),
            )
            for e in errors
        ]
