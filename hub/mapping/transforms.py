"""The fixed vocabulary of value transforms a mapping file may name.

Mapping files are data: they choose transforms from this registry by name (``strip``) or with one
argument (``{truncate: 200}``). Adding a transform is code; using one is configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

WIB = timezone(timedelta(hours=7), "WIB")


class TransformError(ValueError):
    """A value could not be transformed; the message names the transform, never the value."""


Transform = Callable[[Any, Any], Any]


def _strip(value: Any, _arg: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _collapse_ws(value: Any, _arg: Any) -> Any:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value


def _truncate(value: Any, arg: Any) -> Any:
    if not isinstance(value, str):
        return value
    limit = int(arg)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _strip_prefix(value: Any, arg: Any) -> Any:
    if isinstance(value, str) and value.lower().startswith(str(arg).lower()):
        return value[len(str(arg)) :]
    return value


def _lower(value: Any, _arg: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _first_line(value: Any, _arg: Any) -> Any:
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    return stripped.splitlines()[0] if stripped else stripped


def _iso_datetime(value: Any, _arg: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise TransformError("iso_datetime: not an ISO-8601 date-time") from exc
    # Channels in Indonesia that omit the offset mean local time (WIB) in practice.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WIB)


def _epoch_ms(value: Any, _arg: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransformError("epoch_ms: not a number")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:  # NaN, inf, beyond year 9999
        raise TransformError("epoch_ms: out of range") from exc


def _date_format(value: Any, arg: Any) -> Any:
    """Parse a local date/time with a strptime format (e.g. ``%d/%m/%Y``); WIB is assumed."""
    if value is None or value == "":
        return None
    try:
        return _local_time(str(value).strip(), str(arg))
    except ValueError as exc:
        raise TransformError(f"date_format: does not match {arg}") from exc


@lru_cache(maxsize=256)
def _local_time(text: str, fmt: str) -> datetime:
    # A mapping often reads one source field into several dates (Sikesal: created, updated and
    # occurred from ``tanggal_lapor``); strptime is slow enough that parsing it once pays.
    return datetime.strptime(text, fmt).replace(tzinfo=WIB)


def _latlng(value: Any, arg: Any) -> Any:
    """Pick latitude (arg 0) or longitude (arg 1) out of one ``"lat,lng"`` string."""
    if value is None or value == "":
        return None
    parts = str(value).split(",")
    if len(parts) != 2:
        raise TransformError("latlng: expected 'lat,lng'")
    try:
        return float(parts[int(arg)].strip())
    except ValueError as exc:
        raise TransformError("latlng: not a number") from exc


def _to_date(value: Any, _arg: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    raise TransformError("to_date: not a date")


def _empty_to_null(value: Any, _arg: Any) -> Any:
    return None if value in ("", [], {}) else value


def _lookup(value: Any, arg: Any) -> Any:
    """Replace a code by the table's value (``{lookup: {"5": darurat}}``); a code the table does
    not know stays as its text, so a later rule (routing, SLA) decides what it means."""
    if value is None or value == "":
        return None
    table = {str(k): v for k, v in arg.items()} if isinstance(arg, dict) else {}
    key = str(value)
    return table.get(key, key)


def _file_url(value: Any, arg: Any) -> Any:
    """A stored file name as a one-element list of URLs under ``arg``; empty → no file."""
    if value is None or value == "":
        return []
    if not isinstance(value, str):
        raise TransformError("file_url: not a file name")
    name = value.strip().lstrip("/")
    if not name or "://" in name:
        return [name] if name else []
    return [str(arg).rstrip("/") + "/" + name]


REGISTRY: dict[str, Transform] = {
    "strip": _strip,
    "collapse_ws": _collapse_ws,
    "truncate": _truncate,
    "strip_prefix": _strip_prefix,
    "lower": _lower,
    "first_line": _first_line,
    "iso_datetime": _iso_datetime,
    "epoch_ms": _epoch_ms,
    "date_format": _date_format,
    "latlng": _latlng,
    "to_date": _to_date,
    "empty_to_null": _empty_to_null,
    "lookup": _lookup,
    "file_url": _file_url,
}

# Transforms that need an argument; the others take none.
NEEDS_ARG = frozenset({"truncate", "strip_prefix", "date_format", "latlng", "lookup",
                       "file_url"})


def split_spec(spec: str | dict[str, Any]) -> tuple[str, Any]:
    if isinstance(spec, str):
        return spec, None
    ((name, arg),) = spec.items()
    return name, arg


def apply_transforms(value: Any, specs: list[str | dict[str, Any]]) -> Any:
    for spec in specs:
        name, arg = split_spec(spec)
        value = REGISTRY[name](value, arg)
    return value
