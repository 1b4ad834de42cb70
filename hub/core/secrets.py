"""Credentials from Prefect Secret blocks, named in settings rather than written in them.

``LAPOR_HUB_SECRET_BLOCKS='{"lapor.token": "lapor-token", "dukcapil.password": "dukcapil-pw",
"intake.tokens.call112": "intake-112"}'`` fills those settings from the Secret blocks of that name
when the hub starts, so production keeps credentials in Prefect (encrypted in its database,
managed in its UI) and out of every environment file.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, SecretStr

from hub.core.settings import Settings

Loader = Callable[[str], str]


def load_prefect_secret(block: str) -> str:
    from prefect.blocks.system import Secret

    value = Secret.load(block).get()  # type: ignore[union-attr]
    if not isinstance(value, str):
        raise TypeError(f"Secret block {block!r} does not hold a string")
    return value


def with_block_secrets(settings: Settings, load: Loader | None = None) -> Settings:
    """A copy of ``settings`` with every credential named in ``secret_blocks`` filled in."""
    if not settings.secret_blocks:
        return settings
    for path in settings.secret_blocks:  # a typo fails before anything is fetched
        _set(settings, path, SecretStr(""))
    fetch = load or load_prefect_secret
    for path, block in settings.secret_blocks.items():
        settings = _set(settings, path, SecretStr(fetch(block)))
    return settings


def _set(settings: Settings, path: str, value: SecretStr) -> Settings:
    parts = path.split(".")
    system = getattr(settings, parts[0], None) if parts else None
    if not isinstance(system, BaseModel) or len(parts) not in (2, 3) \
            or parts[1] not in type(system).model_fields:
        raise ValueError(f"secret_blocks: {path!r} names no credential setting")
    if len(parts) == 2:
        changed = system.model_copy(update={parts[1]: value})
    else:  # a per-channel token map, e.g. intake.tokens.call112
        current = getattr(system, parts[1])
        if not isinstance(current, dict):
            raise ValueError(f"secret_blocks: {path!r}: {parts[1]} is not a map")
        changed = system.model_copy(update={parts[1]: {**current, parts[2]: value}})
    return settings.model_copy(update={parts[0]: changed})
