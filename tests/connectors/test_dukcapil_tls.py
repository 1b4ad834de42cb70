"""The gateway's self-signed HTTPS: trusted by CA bundle or pinned fingerprint, never blindly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.dukcapil import DukcapilClient
from connectors.errors import ConnectorError
from connectors.tls import TlsSettingError, tls_transport
from simulators.dukcapil import create_app
from simulators.runner import Endpoint, running
from tests.fixtures.dukcapil_wire import NIK

pytestmark = pytest.mark.anyio
PASSWORD = "sandbox-dukcapil-pass"


@pytest.fixture(scope="module")
def https() -> Iterator[Endpoint]:
    with running({"dukcapil": create_app()}, tls=["dukcapil"]) as served:
        yield served["dukcapil"]


def _client(endpoint: Endpoint, **trust: object) -> DukcapilClient:
    transport = tls_transport(concurrency=4, **trust)  # type: ignore[arg-type]
    return DukcapilClient(endpoint.base_url, "hub", SecretStr(PASSWORD), "DISKOMINFO",
                          "127.0.0.1", transport=transport or "aiohttp", max_attempts=1)


def test_the_simulator_serves_https_with_a_certificate_made_at_start(https: Endpoint) -> None:
    assert https.base_url.startswith("https://") and https.tls is not None
    assert https.tls.certfile.read_text().startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_a_ca_bundle_trusts_the_self_signed_gateway(https: Endpoint, kind: str) -> None:
    assert https.tls is not None
    async with _client(https, ca_bundle=https.tls.certfile, pinned_sha256=None,
                       kind=kind) as dukcapil:
        assert (await dukcapil.get_by_nik(NIK)).response_code == "13"


async def test_a_pinned_fingerprint_trusts_exactly_that_certificate(https: Endpoint) -> None:
    assert https.tls is not None
    pin = ":".join(https.tls.sha256[i:i + 2] for i in range(0, 64, 2)).upper()
    async with _client(https, ca_bundle=None, pinned_sha256=pin) as dukcapil:
        assert (await dukcapil.get_by_nik(NIK)).response_code == "13"
    wrong = "00" * 32
    async with _client(https, ca_bundle=None, pinned_sha256=wrong) as dukcapil:
        with pytest.raises(ConnectorError):
            await dukcapil.get_by_nik(NIK)


async def test_without_a_trust_setting_the_handshake_fails(https: Endpoint) -> None:
    async with _client(https, ca_bundle=None, pinned_sha256=None) as dukcapil:
        with pytest.raises(ConnectorError):
            await dukcapil.get_by_nik(NIK)


def test_bad_trust_settings_fail_fast(tmp_path: Path) -> None:
    with pytest.raises(TlsSettingError):
        tls_transport(ca_bundle=None, pinned_sha256="abc", concurrency=1)
    with pytest.raises(TlsSettingError):
        tls_transport(ca_bundle=tmp_path / "missing.pem", pinned_sha256=None, concurrency=1)
