"""Typed settings from the environment (prefix ``LAPOR_HUB_``), a ``.env`` file or defaults.

Nested systems use ``__``: ``LAPOR_HUB_LAPOR__BASE_URL``, ``LAPOR_HUB_LAPOR__TOKEN``. The defaults
point at the sandbox simulators on loopback; production overrides base URLs and secrets only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class HttpSystem(BaseModel):
    """Connection settings shared by every external HTTP system."""

    base_url: str
    token: SecretStr | None = None
    timeout_s: float = 10.0
    max_attempts: int = 5
    backoff_base_s: float = 0.2
    backoff_max_s: float = 10.0
    concurrency: int = 32
    transport: Literal["aiohttp", "httpx"] = "aiohttp"


class LaporSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8701/api/v1"


class SikesalSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8711/api/v1"


class LaksaSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8712"


class SambatSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8713"


class SimtramtibumSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8714"


class SiasnSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8722"
    client_id: str = "lapor-hub"
    client_secret: SecretStr | None = None


class NotifySystem(HttpSystem):
    """Where SLA reminders and escalations go (the sandbox's notification receiver)."""

    base_url: str = "http://127.0.0.1:8731"


class DukcapilSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8721"
    user_id: str = "hub"
    password: SecretStr | None = None
    instansi: str = "DISKOMINFO"
    ip_user: str = "127.0.0.1"
    threshold: int = 90


class IntakeSettings(BaseModel):
    """The hub's HTTP intake for channels that push (``POST /events/{channel}``)."""

    host: str = "127.0.0.1"
    port: int = 8700
    # One bearer token per channel that may push; a channel without one gets 404.
    tokens: dict[str, SecretStr] = {}


class Open311Settings(BaseModel):
    """Open311 GeoReport v2 under ``/open311/v2`` on the intake's HTTP service (hub/open311/)."""

    # The endpoint's public address, as discovery.json announces it.
    public_url: str = "http://127.0.0.1:8700/open311/v2"
    contact: str = "Diskominfo: open311@example.go.id"
    key_service: str = "API keys: ask Diskominfo (lapor-hub apikey create --role integrator)"
    # Used when a request names no jurisdiction_id (a city serving only itself).
    default_jurisdiction: str | None = None
    # GET requests without an api_key see what the public may: no rahasia ticket, no identity.
    public_read: bool = True


def _default_sqlite_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'ledger.db'}"


class ConsoleSettings(BaseModel):
    """The web console: the key that signs session cookies (random per process when unset, so
    sessions then end with the process), how long a session lasts, where the Prefect UI is."""

    secret: SecretStr | None = None
    session_hours: float = 8.0
    prefect_ui_url: str = "http://127.0.0.1:4200"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LAPOR_HUB_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    database_url: str = Field(default_factory=_default_sqlite_url)
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    mappings_dir: Path = PROJECT_ROOT / "mappings"
    log_json: bool | None = None
    log_level: str = "INFO"

    # Base URLs default to the sandbox on loopback; credentials have no default in code: they
    # come from the environment, `.env` (``make demo`` writes one from ``sandbox.env``) or blocks.
    lapor: LaporSystem = LaporSystem()
    sikesal: SikesalSystem = SikesalSystem()
    laksa: LaksaSystem = LaksaSystem()
    sambat: SambatSystem = SambatSystem()
    simtramtibum: SimtramtibumSystem = SimtramtibumSystem()
    dukcapil: DukcapilSystem = DukcapilSystem()
    siasn: SiasnSystem = SiasnSystem()
    intake: IntakeSettings = IntakeSettings()
    # Setting path → Prefect Secret block name, resolved at start (hub/secrets.py).
    secret_blocks: dict[str, str] = {}
    notify: NotifySystem = NotifySystem()
    open311: Open311Settings = Open311Settings()

    # Pull: records per page and how far back each incremental run re-reads (dedup makes it cheap).
    page_size: int = 200
    overlap_s: float = 60.0
    # Push: tickets per Prefect task, POSTs in flight, and the lease: a live holder renews it
    # every third of it, so a ``sending`` row whose holder went quiet that long is taken over
    # (by lookup). A holder proved dead (same host) or crashed (Prefect) is taken over at once.
    push_batch_size: int = 500
    push_concurrency: int = 32
    sending_lease_s: float = 30.0
    ambiguous_settle_s: float = 120.0
    max_push_attempts: int = 8
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    identity_cache_ttl_s: float = 7 * 24 * 3600.0
    # Two-way sync: how often each instansi's officer is checked in SIASN for a transfer.
    officer_check_s: float = 300.0
    console: ConsoleSettings = ConsoleSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
