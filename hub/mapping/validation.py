"""Validation of raw channel records against ``schemas/<channel>.raw.json``.

Violations name the field and the rule, never the offending value: a raw record carries NIKs and
names, and a violation ends up in logs, quarantine reasons and API responses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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

    @classmethod
    def from_file(cls, path: Path) -> RawValidator:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def violations(self, record: Any) -> list[Violation]:
        errors = sorted(self._validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        return [
            Violation(
                path=_json_path(e),
                schema_path="/".join(str(p) for p in e.absolute_schema_path),
                reason=_reason(e),
            )
            for e in errors
        ]
