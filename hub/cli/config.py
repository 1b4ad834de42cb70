"""``lapor-hub config check``: every setting with where it came from, then each system tried.

Secret values are never printed: a credential shows as ``set`` or ``not set`` and its source
(environment, which env file, which Prefect Secret block). Each problem is one line saying what to
set; the command exits 2 when there is any, so a deploy script can stop on it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import typer
from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr
from rich.console import Console
from rich.table import Table

from connectors.tls import tls_transport
from hub.cli.errors import _redact, describe_config_error
from hub.core.settings import HttpSystem, Settings, env_file, get_settings

config_app = typer.Typer(no_args_is_help=True, help="Check the configuration.")
# Piped (CI, a deploy script): wide enough that no row wraps.
console = Console(width=None if sys.stdout.isatty() else 200)
_CREDENTIALS = {"token", "password", "client_secret"}


def leaves(model: BaseModel, path: str = "") -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{path}{name}"
        if isinstance(value, BaseModel):
            yield from leaves(value, f"{key}.")
        else:
            yield key, value


def env_name(path: str) -> str:
    return "LAPOR_HUB_" + path.replace(".", "__").upper()


def source_of(path: str, settings: Settings, file_values: dict[str, str | None]) -> str:
    name = env_name(path)
    if path in settings.secret_blocks:
        return f"Secret block {settings.secret_blocks[path]!r}"
    if name in os.environ or any(k.startswith(name + "__") for k in os.environ):
        return "environment"
    if name in file_values or any(k.startswith(name + "__") for k in file_values):
        return f"env file {env_file()}"
    return "default"


def shown(path: str, value: Any) -> str:
    if isinstance(value, SecretStr) or path.rsplit(".", 1)[-1] in _CREDENTIALS:
        return "set" if value is not None and str(value) != "" else "not set"
    if isinstance(value, dict):
        return ", ".join(sorted(value)) or "—"
    if path == "database_url":
        return _redact(str(value))
    return "—" if value is None else str(value)


def _first(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


async def _try(client: httpx.AsyncClient, url: str) -> str | None:
    try:
        await client.get(url)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None


async def system_problems(settings: Settings) -> list[str]:
    """Channels and LAPOR! are read once through the hub's own clients; the others reached."""
    from hub.service.hints import with_hint
    from hub.sources import open_source
    from hub.sync.summary import describe

    problems: list[str] = []
    from hub.mapping.loader import channels as mapped

    for channel in mapped(settings.mappings_dir):
        if not isinstance(getattr(settings, channel, None), HttpSystem):
            continue  # a channel that pushes to the intake: nothing to reach
        try:
            async with open_source(channel, settings) as source:
                await source.fetch(since=datetime.now(UTC), resume=None, limit=1)
        except Exception as exc:  # noqa: BLE001 - every failure is a line of the report
            problems.append(with_hint(channel, f"{channel}: {_first(describe(exc))}", settings)
                            + f" (base URL: {env_name(channel + '.base_url')})")
    from hub.core.clients import lapor_client

    try:
        async with lapor_client(settings) as lapor:
            await lapor.check()
    except Exception as exc:  # noqa: BLE001
        problems.append(with_hint("lapor", f"lapor: {_first(describe(exc))}", settings))
    for name in ("dukcapil", "siasn", "notify"):
        system = getattr(settings, name)
        # Trusted as the hub's own clients trust it (a gateway's self-signed certificate).
        transport = tls_transport(ca_bundle=getattr(system, "ca_bundle", None),
                                  pinned_sha256=getattr(system, "pinned_sha256", None),
                                  concurrency=1, kind="httpx")
        async with httpx.AsyncClient(timeout=5, transport=transport) as client:
            if (error := await _try(client, system.base_url)) is not None:
                problems.append(f"{name}: unreachable at {system.base_url} ({error}); set "
                                f"{env_name(name + '.base_url')}")
    for name, field in (("dukcapil", "password"), ("siasn", "client_secret")):
        if getattr(getattr(settings, name), field) is None:
            problems.append(f"{name}: no credential; set {env_name(f'{name}.{field}')} (or name "
                            "a Secret block in LAPOR_HUB_SECRET_BLOCKS)")
    return problems


def database_problems(settings: Settings) -> list[str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from hub.ledger.db import alembic_config as config
    from hub.ledger.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            head = ScriptDirectory.from_config(config(connection)).get_current_head()
    except Exception as exc:  # noqa: BLE001
        return [describe_config_error(exc) or f"database: {type(exc).__name__}"]
    finally:
        engine.dispose()
    if current is not None and current != head:
        return [f"database: schema at revision {current or 'none'}, newest {head}: any hub "
                "command migrates it on start (or `alembic -x url=… upgrade head`)"]
    return []


async def prefect_problems() -> list[str]:
    from hub.sync import limits

    url = limits.prefect_api_url()
    if url is None:
        return []  # local mode: nothing shared to check
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            (await client.get(f"{url.rstrip('/')}/health")).raise_for_status()
        from prefect.client.orchestration import get_client

        async with get_client() as prefect:
            have = {x.name for x in await prefect.read_global_concurrency_limits(limit=200)}
    except Exception as exc:  # noqa: BLE001
        return [f"Prefect API at {url} unreachable ({type(exc).__name__}); start it or set "
                "PREFECT_API_URL"]
    missing = sorted({limits.LAPOR_RATE, limits.DUKCAPIL_QUOTA} - have)
    if missing:
        return [f"Prefect limits missing: {', '.join(missing)} (created on first use; "
                "`python -m hub.sync.limits` creates them now)"]
    return []


@config_app.command("check")
def check(offline: Annotated[bool, typer.Option(help="settings only, try nothing")] = False,
          ) -> None:
    """List every setting with its source; try the database, Prefect and every system."""
    settings = get_settings()
    file_values = dotenv_values(env_file()) if env_file().exists() else {}
    table = Table("setting", "value", "source")
    for path, value in leaves(settings):
        table.add_row(env_name(path), shown(path, value), source_of(path, settings, file_values))
    console.print(table)
    console.print(f"env file: {env_file()} ({'found' if env_file().exists() else 'absent'}; "
                  "LAPOR_HUB_ENV_FILE names another)", highlight=False)
    if offline:
        return
    problems: list[str] = []
    try:
        from hub.core.secrets import with_block_secrets

        settings = with_block_secrets(settings)
    except Exception as exc:  # noqa: BLE001
        problems.append(describe_config_error(exc) or f"Secret blocks: {type(exc).__name__}")
    problems += database_problems(settings)
    problems += asyncio.run(prefect_problems())
    problems += asyncio.run(system_problems(settings))
    for line in problems:
        console.print(f"[red]problem:[/] {line}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(2)
    console.print("[green]configuration ok: database, Prefect and every system answered[/]")
