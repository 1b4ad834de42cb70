"""SiasnClient against the SIASN simulator (in process): token cached, renewed on expiry/401."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AuthError
from connectors.siasn import SiasnClient
from simulators import siasn
from simulators.siasn_data import COMPLAINT_POST, unor_id

pytestmark = pytest.mark.anyio


def _client(app: object, now: list[float], secret: str = siasn.DEFAULT_SECRET) -> SiasnClient:
    return SiasnClient("http://siasn", client_id=siasn.DEFAULT_CLIENT_ID,
                       client_secret=SecretStr(secret), clock=lambda: now[0],
                       transport=httpx.ASGITransport(app=app))  # type: ignore[arg-type]


async def test_token_is_cached_then_renewed_when_it_expires_or_is_revoked() -> None:
    app = siasn.create_app()
    now = [0.0]
    async with _client(app, now) as client:
        members = await client.anggota_unor(unor_id("DPUPR-KOTA-JAMBI"))
        officer = next(m for m in members if m.jabatan == COMPLAINT_POST)
        person = await client.pegawai(officer.nip)
        assert person.unor_id == unor_id("DPUPR-KOTA-JAMBI") and client.tokens_fetched == 1
        now[0] = 4000.0  # past expires_in (3600 s): renewed before the call
        await client.riwayat_jabatan(officer.nip)
        assert client.tokens_fetched == 2
        app.state.store.expire_tokens()  # revoked early: one 401, a fresh token, success
        await client.pegawai(officer.nip)
        assert client.tokens_fetched == 3


async def test_wrong_client_secret_is_an_auth_error_without_the_secret() -> None:
    async with _client(siasn.create_app(), [0.0], secret="salah") as client:
        with pytest.raises(AuthError) as caught:
            await client.pegawai("199001012015011001")
    assert "salah" not in str(caught.value)
