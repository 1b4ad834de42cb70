"""Typed settings from the environment (prefix ``LAPOR_HUB_``), an env file or defaults.

Nested systems use ``__``: ``LAPOR_HUB_LAPOR__BASE_URL``, ``LAPOR_HUB_LAPOR__TOKEN``. The defaults
point at the sandbox simulators on loopback; production overrides base URLs and secrets only.
The env file is ``$LAPOR_HUB_ENV_FILE``, else ``.env`` in the install's root — never the working
directory, so a cron or systemd job started elsewhere reads the same file. Each field's
``description`` is the README's settings table (``python -m hub.core.settings_doc``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_FILE_VAR = "LAPOR_HUB_ENV_FILE"


def env_file() -> Path:
    """The env file the settings read: ``$LAPOR_HUB_ENV_FILE``, else ``<install root>/.env``."""
    return Path(os.environ.get(ENV_FILE_VAR) or PROJECT_ROOT / ".env").expanduser()


class HttpSystem(BaseModel):
    """Connection settings shared by every external HTTP system."""

    # A rejected value may hold a credential: errors name the setting, never echo its value.
    model_config = ConfigDict(hide_input_in_errors=True)

    base_url: str
    token: SecretStr | None = None
    timeout_s: float = 10.0
    max_attempts: int = 5
    backoff_base_s: float = 0.2
    backoff_max_s: float = 10.0
    concurrency: int = 32
    transport: Literal["aiohttp", "httpx"] = "aiohttp"
    # A server whose certificate no public CA signs (Dukcapil's gateway on a private IP): trust
    # a CA bundle (PEM; may be the server's own certificate) or pin the certificate's SHA-256.
    ca_bundle: Path | None = None
    pinned_sha256: str | None = None

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        return checked_url(value)


def checked_url(value: str) -> str:
    """An http(s) URL with a host and no credentials in it (those are settings of their own)."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is no number raises here
    except ValueError:
        raise ValueError("base_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an http(s) URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("base_url must not carry user:password@; give credentials as "
                         "__TOKEN / __PASSWORD settings or Prefect Secret blocks")
    return value


class LaporSystem(HttpSystem):
    """``adapter`` picks the LAPOR! API: ``json`` (the assumed integration API at ``base_url``)
    or ``legacy_xml`` (the public legacy API at ``legacy_base_url``: intake only, no lookup,
    feed or follow-up). Changing adapters is this setting alone."""

    base_url: str = "http://127.0.0.1:8701/api/v1"
    adapter: Literal["json", "legacy_xml"] = "json"
    legacy_base_url: str = "http://127.0.0.1:8701"

    @field_validator("legacy_base_url")
    @classmethod
    def _legacy_url(cls, value: str) -> str:
        return checked_url(value)


class ChannelSystem(HttpSystem):
    """A city channel the hub pulls. ``filed_by``: who files its complaints in LAPOR! — the hub,
    or the city's own existing link (Kota Malang forwards Sambat; Kota Tangerang announced a
    Laksa–LAPOR! link), in which case the hub never POSTs them and adopts the city's report."""

    filed_by: Literal["hub", "city"] = Field("hub", description="who files this channel's "
                                             "complaints in LAPOR!: `hub`, or `city` (its own "
                                             "link; the hub then finds and adopts that report)")


class SikesalSystem(ChannelSystem):
    """The city's read-only export of ``laporan`` (assumed) and the OPD answer script."""

    base_url: str = "http://127.0.0.1:8711/api/v1"
    # No updated-at column: every run re-reads this many of the newest ids for changed rows.
    rescan_ids: int = Field(default=2000, ge=0)
    id_user: str = "1"  # the Sikesal account (user.id_user) the hub answers as


class LaksaSystem(ChannelSystem):
    base_url: str = "http://127.0.0.1:8712"


class SambatSystem(ChannelSystem):
    base_url: str = "http://127.0.0.1:8713"


class SimtramtibumSystem(ChannelSystem):
    base_url: str = "http://127.0.0.1:8714"


class SiasnSystem(HttpSystem):
    """BKN's API host (``https://apimws.bkn.go.id:8243`` in production) and its token hosts."""

    base_url: str = "http://127.0.0.1:8722"
    # APIM (WSO2) token: client_credentials with the consumer key/secret in HTTP Basic.
    token_url: str = "http://127.0.0.1:8723/oauth2/token"  # noqa: S105 - a URL, not a secret
    client_id: str = "lapor-hub"
    client_secret: SecretStr | None = None
    # SSO (Keycloak) token: an operator's NIP and password, or a pre-issued token.
    sso_url: str = ("http://127.0.0.1:8723/auth/realms/public-siasn/protocol/openid-connect/"
                    "token")
    sso_client_id: str = "lapor-hub-sso"
    sso_username: str = ""
    sso_password: SecretStr | None = None
    sso_token: SecretStr | None = None


class NotifySystem(HttpSystem):
    """Where SLA reminders and escalations go (the sandbox's notification receiver)."""

    base_url: str = "http://127.0.0.1:8731"


class DukcapilSystem(HttpSystem):
    base_url: str = "http://127.0.0.1:8721"
    user_id: str = "hub"
    password: SecretStr | None = None
    instansi: str = "DISKOMINFO"
    ip_user: str = "127.0.0.1"
    threshold: int = 90  # sent as TRESHOLD
    min_score: int = Field(default=90, ge=0, le=100)  # the hub's own bar for fuzzy scores
    # Central gateway; a regional mirror is "/dukcapil/get_json/{region}/{instansi}/{method}".
    path_template: str = "/dukcapil/get_json/{instansi}/{method}"
    region: str = ""
    verify_method: str = "CALL_VERIFY_BY_ELEMEN"
    nik_method: str = "CALL_NIK"


class IntakeSettings(BaseModel):
    """The hub's HTTP intake for channels that push (``POST /events/{channel}``)."""

    host: str = "127.0.0.1"
    port: int = 8700
    # One bearer token per channel that may push; a channel without one gets 404.
    tokens: dict[str, SecretStr] = {}
    # A body larger than this is answered 413 and not stored (per channel: ``body_bytes``).
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    body_bytes: dict[str, int] = {}
    # Deeper JSON is refused (422) before anything walks it recursively.
    max_json_depth: int = Field(default=32, gt=0)

    def body_limit(self, channel: str) -> int:
        return self.body_bytes.get(channel, self.max_body_bytes)


class ServeSettings(BaseModel):
    """``lapor-hub serve``: where Prefect's server listens and where serve keeps its state."""

    host: str = Field("127.0.0.1", description="address the Prefect server binds (0.0.0.0: "
                      "reachable by workers on other machines)")
    prefect_port: int = Field(4200, description="Prefect server and UI port")
    data_dir: Path = Field(PROJECT_ROOT / "var", description="serve's state: Prefect's "
                           "database (prefect-serve/), logs (serve/); the same from any cwd")


class ApiSettings(BaseModel):
    """The read API (``lapor-hub api``)."""

    host: str = Field("127.0.0.1", description="address the read API binds")
    port: int = Field(8702, description="read API port (`/api/v1`, `/metrics`)")


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


class AdoptionSettings(BaseModel):
    """Finding the city's own LAPOR! report of a channel filed by the city (hub/sync/adopt.py)."""

    adopt_score: float = Field(0.85, ge=0, le=1, description="lowest match confidence (0-1) "
                               "adopted without a human")
    doubt_score: float = Field(0.55, ge=0, le=1, description="lowest confidence counted as a "
                               "candidate; between this and `ADOPT_SCORE`: quarantined "
                               "`adoption_doubtful`")
    margin: float = Field(0.08, ge=0, le=1, description="the best candidate must beat the "
                          "second by this much, else `adoption_doubtful`")
    window_before_s: float = Field(3600.0, ge=0, description="a LAPOR! report may be dated this "
                                   "long before the channel's record (clock skew)")
    window_after_s: float = Field(2 * 86400.0, ge=0, description="…and this long after it (the "
                                  "city's link lags)")
    max_distance_m: float = Field(1000.0, gt=0, description="coordinates this far apart score "
                                  "0 for place (0 m scores 1)")
    deadline_s: float = Field(3 * 86400.0, ge=0, description="no report found this long after "
                              "the hub stored the ticket: quarantined `adoption_not_found`")
    recheck_s: float = Field(600.0, ge=0, description="how long a ticket awaiting the city's "
                             "report waits before the next search")


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
        env_file=None,  # get_settings() passes env_file(): never the working directory
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
    serve: ServeSettings = ServeSettings()
    api: ApiSettings = ApiSettings()
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
    # Longest judul/isi a channel's record may carry; longer ones are quarantined (too_large).
    max_text_chars: int = Field(default=20_000, gt=0)
    text_chars: dict[str, int] = {}
    # Quarantine replay re-reads the channel this far before the entry (and at most this many
    # pages) to find a fresh copy of the record before falling back to the stored one.
    replay_rescan_days: float = Field(default=30.0, ge=0)
    replay_rescan_pages: int = Field(default=50, ge=1)
    console: ConsoleSettings = ConsoleSettings()
    adoption: AdoptionSettings = AdoptionSettings()

    def filed_by(self, channel: str) -> str:
        """``hub`` or ``city``: who files the channel's complaints in LAPOR! (112: the hub)."""
        system = getattr(self, channel, None)
        return system.filed_by if isinstance(system, ChannelSystem) else "hub"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(_env_file=env_file())
