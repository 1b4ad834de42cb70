"""Fixtures of the scale-out test: a fresh PostgreSQL database for Prefect's own data, free ports,
and the hub's settings as the environment a worker's flow-run processes read."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from hub.core.settings import Settings

PG_ADMIN = os.environ.get("LAPOR_HUB_TEST_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def prefect_pg_url() -> Iterator[str]:
    """A database of its own (Prefect runs migrations and wants the public schema), dropped
    afterwards even when the server was killed holding connections."""
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql+asyncpg")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    """``LAPOR_HUB_*`` variables that rebuild ``settings`` in another process."""
    env = {"LAPOR_HUB_DATABASE_URL": settings.database_url}
    for field in ("page_size", "retry_base_s", "retry_max_s", "ambiguous_settle_s",
                  "push_batch_size", "sending_lease_s"):
        env[f"LAPOR_HUB_{field.upper()}"] = str(getattr(settings, field))
    for name in ("lapor", "sikesal", "laksa", "sambat", "simtramtibum", "dukcapil"):
        system = getattr(settings, name)
        prefix = f"LAPOR_HUB_{name.upper()}__"
        for field in ("base_url", "timeout_s", "max_attempts", "backoff_base_s",
                      "backoff_max_s"):
            env[prefix + field.upper()] = str(getattr(system, field))
        if system.pinned_sha256:  # the sandbox's Dukcapil is HTTPS, self-signed
            env[prefix + "PINNED_SHA256"] = system.pinned_sha256
        for secret in ("token", "password"):
            value = getattr(system, secret, None)
            if value is not None:
                env[prefix + secret.upper()] = value.get_secret_value()
    for channel, token in settings.intake.tokens.items():
        env[f"LAPOR_HUB_INTAKE__TOKENS__{channel.upper()}"] = token.get_secret_value()
    return env
