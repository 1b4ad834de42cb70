"""How an integrator sees a quarantined raw record: personal keys masked, unparsed text withheld."""

from __future__ import annotations

from typing import Any

from hub.mapping.specs import MappingError
from hub.privacy.logging import mask_pii
from hub.privacy.masking import scrub_text
from hub.sync.pipeline import Hub

# The key under which a connector hands over a line it could not read (Simtramtibum's CSV).
UNPARSED_TEXT = "_teks"


def mask_raw(raw: Any, known_names: list[str] | None = None) -> Any:
    """The raw record as an integrator may see it: personal keys masked whole, free text scrubbed.

    Uses the logging processor's key rules, so a field that would be masked in a log line is
    masked here the same way (``pelapor.nik`` → ``1571********0001``); the reporter's name is
    also masked where it recurs in free text, even in a process that never registered it.
    """
    masked = mask_pii(None, "show", {"raw": _withhold_unparsed(raw)})["raw"]
    return _scrub_strings(masked, known_names) if known_names else masked


def _withhold_unparsed(raw: Any) -> Any:
    """Text nobody could parse has no columns to mask by: names in it would show. Withheld."""
    if isinstance(raw, str):
        return f"[withheld: unparsed body, {len(raw)} characters]"
    if isinstance(raw, dict) and isinstance(raw.get(UNPARSED_TEXT), str):
        text = raw[UNPARSED_TEXT]
        return {**raw, UNPARSED_TEXT: f"[withheld: unparsed line, {len(text)} characters]"}
    return raw


def _scrub_strings(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, names)
    if isinstance(value, dict):
        return {k: _scrub_strings(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(v, names) for v in value]
    return value


def reporter_names(hub: Hub, channel: str, raw: Any) -> list[str]:
    mapping = hub.mappings.get(channel)
    spec = mapping.fields.get("pelapor.nama") if mapping else None
    if spec is None or not isinstance(raw, dict):
        return []
    try:
        name = spec.extract(raw, "pelapor.nama")
    except MappingError:
        return []
    return [name] if isinstance(name, str) and name.strip() else []
