"""Sandbox fixtures (a pytest plugin): simulators served over real HTTP, a hub pointed at them."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.core.settings import (
    DukcapilSystem,
    LaksaSystem,
    LaporSystem,
    SambatSystem,
    Settings,
    SiasnSystem,
    SikesalSystem,
    SimtramtibumSystem,
)
from hub.ledger.db import make_engine
from hub.sync.pipeline import Hub
from simulators import dukcapil, laksa, lapor, sambat, siasn, siasn_auth, sikesal, simtramtibum
from simulators.runner import DERIVED, Endpoint, build_apps, running


@pytest.fixture(scope="session")
def served() -> Iterator[dict[str, Endpoint]]:
    # Dukcapil over HTTPS with a self-signed certificate, as the real central gateway.
    with running(build_apps(), tls=["dukcapil"]) as endpoints:
        yield endpoints


@dataclass
class Sandbox:
    endpoints: dict[str, Endpoint]

    def verify(self, system: str) -> ssl.SSLContext | bool:
        """How to trust a simulator served over HTTPS (its own certificate as the CA)."""
        tls = self.endpoints[system].tls
        return ssl.create_default_context(cafile=str(tls.certfile)) if tls else True

    def admin(self, system: str, action: str, body: dict[str, Any] | None = None) -> Any:
        root = self.endpoints[system].root
        response = httpx.post(f"{root}/_sim/{action}", json=body or {}, timeout=30,
                              verify=self.verify(system))
        response.raise_for_status()
        return response.json()

    def seed(self, channel: str, n: int, seed: int, bad_rate: float = 0.0) -> None:
        """Seed a channel and Dukcapil alike: reporters are residents of the same seed."""
        self.admin(channel, "seed", {"n": n, "seed": seed, "bad_rate": bad_rate})
        self.admin("dukcapil", "seed", {"n": 2000, "seed": seed})

    def faults(self, system: str, **faults: Any) -> None:
        self.admin(system, "faults", faults)

    def settle(self, system: str, wait_s: float = 60.0) -> dict[str, int]:
        """Wait until no request is running inside ``system`` (one the hub gave up on included)."""
        response = httpx.get(f"{self.endpoints[system].root}/_sim/inflight",
                             params={"wait_s": wait_s}, timeout=wait_s + 30,
                             verify=self.verify(system))
        response.raise_for_status()
        counts: dict[str, int] = response.json()
        assert counts["inflight"] == 0, f"{system}: requests still running after {wait_s} s"
        return counts

    def state(self, system: str, settled: bool = True) -> Any:
        """What ``system`` holds, read once every request in flight there has ended."""
        if settled:
            self.settle(system)
        response = httpx.get(f"{self.endpoints[system].root}/_sim/state", timeout=30,
                             verify=self.verify(system))
        response.raise_for_status()
        return response.json()

    def lapor_reports(self) -> list[dict[str, Any]]:
        reports: list[dict[str, Any]] = self.state("lapor")["reports"]
        return reports

    def dukcapil_pin(self) -> str | None:
        tls = self.endpoints["dukcapil"].tls
        return tls.sha256 if tls is not None else None

    def settings(self, database_url: str, **overrides: Any) -> Settings:
        def system(cls: type[Any], name: str, **extra: Any) -> Any:
            return cls(base_url=self.endpoints[name].base_url, timeout_s=2.0, max_attempts=4,
                       backoff_base_s=0.01, backoff_max_s=0.05, **extra)

        values: dict[str, Any] = {
            "database_url": database_url,
            "lapor": system(LaporSystem, "lapor", token=SecretStr(lapor.DEFAULT_TOKEN)),
            "sikesal": system(SikesalSystem, "sikesal", token=SecretStr(sikesal.DEFAULT_TOKEN)),
            "laksa": system(LaksaSystem, "laksa", token=SecretStr(laksa.DEFAULT_TOKEN)),
            "sambat": system(SambatSystem, "sambat", token=SecretStr(sambat.DEFAULT_TOKEN)),
            "simtramtibum": system(SimtramtibumSystem, "simtramtibum",
                                   token=SecretStr(simtramtibum.DEFAULT_TOKEN)),
            "siasn": system(SiasnSystem, "siasn", client_id=siasn.DEFAULT_CLIENT_ID,
                            client_secret=SecretStr(siasn.DEFAULT_SECRET),
                            token_url=self.endpoints["siasn_auth"].root + siasn_auth.APIM_PATH,
                            sso_url=self.endpoints["siasn_auth"].root + siasn_auth.SSO_PATH,
                            sso_client_id=siasn_auth.SSO_CLIENT_ID,
                            sso_username=siasn_auth.SSO_USERNAME,
                            sso_password=SecretStr(siasn_auth.SSO_PASSWORD)),
            "dukcapil": system(DukcapilSystem, "dukcapil",
                               password=SecretStr(dukcapil.DukcapilConfig().password),
                               pinned_sha256=self.dukcapil_pin()),
            "page_size": 25,
            "retry_base_s": 0.0,
            "retry_max_s": 0.0,
            "ambiguous_settle_s": 0.5,
        }
        values.update(overrides)
        return Settings(**values)

    def hub(self, database_url: str, **overrides: Any) -> Hub:
        settings = self.settings(database_url, **overrides)
        return Hub.from_settings(settings, engine=make_engine(database_url))


@pytest.fixture
def sandbox(served: dict[str, Endpoint]) -> Sandbox:
    box = Sandbox(served)
    for name in served:
        if name not in DERIVED:  # a derived host (SIASN's tokens) is reset with its parent
            box.admin(name, "reset")
    return box
