"""What to set when a system refuses the hub: a 401 names the setting that holds the token."""

from __future__ import annotations

import re

from hub.core.settings import Settings

_REFUSED = re.compile(r"\b(401|403)\b|not authori[sz]ed|unauthori[sz]ed", re.IGNORECASE)
_CREDENTIAL = {"dukcapil": "password", "siasn": "client_secret"}


def credential_setting(system: str, settings: Settings) -> str | None:
    """Where ``system``'s credential comes from: its env name, or the Secret block it names."""
    if not hasattr(settings, system):
        return None
    field = _CREDENTIAL.get(system, "token")
    block = settings.secret_blocks.get(f"{system}.{field}")
    env = f"LAPOR_HUB_{system.upper()}__{field.upper()}"
    if block:
        return f"the Prefect Secret block {block!r} (LAPOR_HUB_SECRET_BLOCKS {system}.{field})"
    return env


def with_hint(system: str, message: str, settings: Settings) -> str:
    if not _REFUSED.search(message) or (where := credential_setting(system, settings)) is None:
        return message
    state = "is set but refused" if _is_set(system, settings) else "is not set"
    return f"{message} — the credential in {where} {state}"


def _is_set(system: str, settings: Settings) -> bool:
    value = getattr(getattr(settings, system), _CREDENTIAL.get(system, "token"), None)
    return value is not None and bool(value.get_secret_value())
