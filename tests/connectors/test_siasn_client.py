"""SiasnClient against the SIASN simulator and the design note's bodies: two tokens from their
own host, both dropped and refetched on 401, real field shapes and quirks."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AuthError, NotFound
from connectors.siasn import SiasnClient
from connectors.siasn_models import RiwayatJabatan, newest_first, same_id
from simulators import siasn, siasn_auth
from simulators.siasn_data import COMPLAINT_POST, nips_of, unor_induk_id
from tests.fixtures import siasn_wire as wire

pytestmark = pytest.mark.anyio
OPD = "DPUPR-KOTA-JAMBI"


def _client(api: Any, now: list[float], **overrides: Any) -> SiasnClient:
    auth = siasn.create_auth_app(api)
    kwargs: dict[str, Any] = {
        "token_url": "http://tokens.test" + siasn_auth.APIM_PATH,
        "client_id": siasn.DEFAULT_CLIENT_ID, "client_secret": SecretStr(siasn.DEFAULT_SECRET),
        "sso_url": "http://tokens.test" + siasn_auth.SSO_PATH,
        "sso_client_id": siasn_auth.SSO_CLIENT_ID, "sso_username": siasn_auth.SSO_USERNAME,
        "sso_password": SecretStr(siasn_auth.SSO_PASSWORD),
        "token_transport": httpx.ASGITransport(app=auth), "clock": lambda: now[0],
        "transport": httpx.ASGITransport(app=api)}
    kwargs.update(overrides)
    return SiasnClient("http://api.test", **kwargs)


async def test_both_tokens_are_sent_cached_and_refetched_together_on_401() -> None:
    api = siasn.create_app()
    now = [0.0]
    officer = nips_of(OPD, 4)[1]
    async with _client(api, now) as client:
        person = await client.data_utama(officer)
        assert same_id(person.unor_induk_id, unor_induk_id(OPD))
        assert person.holds(COMPLAINT_POST) and person.holds(COMPLAINT_POST.lower())
        await client.riwayat_jabatan(officer)
        assert client.tokens_fetched == {"apim": 1, "sso": 1}
        now[0] = 4000.0  # past the APIM token's hour, within the SSO token's 12 h
        await client.data_utama(officer)
        assert client.tokens_fetched == {"apim": 2, "sso": 1}
        api.state.store.tokens.expire("sso")  # one token revoked early: both are dropped
        await client.data_utama(officer)
        assert client.tokens_fetched == {"apim": 3, "sso": 2}
    assert api.state.store.tokens.issued == {"apim": 3, "sso": 2}


async def test_a_call_with_one_token_only_is_refused_by_the_simulator() -> None:
    api = siasn.create_app()
    tokens: siasn_auth.Tokens = api.state.store.tokens
    apim, _ = tokens.issue("apim")
    sso, _ = tokens.issue("sso")
    officer = nips_of(OPD, 4)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                 base_url="http://api.test") as raw:
        url = f"/apisiasn/1.0/pns/data-utama/{officer}"
        only_apim = await raw.get(url, headers={"Authorization": f"Bearer {apim}"})
        only_sso = await raw.get(url, headers={"Auth": f"bearer {sso}"})
        both = await raw.get(url, headers={"Authorization": f"Bearer {apim}",
                                           "Auth": f"bearer {sso}"})
        members = await raw.get(f"/apisiasn/1.0/unor/{unor_induk_id(OPD)}/pegawai",
                                headers={"Authorization": f"Bearer {apim}",
                                         "Auth": f"bearer {sso}"})
    assert only_apim.status_code == only_sso.status_code == 401
    assert both.status_code == 200 and both.json()["code"] == 1
    assert members.status_code == 404  # BKN has no unit-member endpoint


async def test_missing_sso_credentials_are_a_clear_auth_error_before_any_call() -> None:
    api = siasn.create_app()
    async with _client(api, [0.0], sso_password=None, sso_username="") as client:
        with pytest.raises(AuthError) as caught:
            await client.data_utama(nips_of(OPD, 4)[1])
    assert "no SSO token" in str(caught.value)
    assert api.state.store.calls == {}


async def test_a_pre_issued_sso_token_is_used_as_is_and_named_when_refused() -> None:
    api = siasn.create_app()
    preissued = SecretStr(siasn_auth.PREISSUED_SSO_TOKEN)
    async with _client(api, [0.0], sso_password=None, sso_token=preissued) as client:
        await client.data_utama(nips_of(OPD, 4)[1])
        assert client.tokens_fetched == {"apim": 1, "sso": 0}
        api.state.store.tokens.config = siasn_auth.AuthConfig(preissued_valid=False)
        with pytest.raises(AuthError) as caught:
            await client.data_utama(nips_of(OPD, 4)[1])
    assert "pre-issued SSO token" in str(caught.value)
    assert siasn_auth.PREISSUED_SSO_TOKEN not in str(caught.value)


async def test_wrong_consumer_secret_is_an_auth_error_without_the_secret() -> None:
    async with _client(siasn.create_app(), [0.0], client_secret=SecretStr("salah")) as client:
        with pytest.raises(AuthError) as caught:
            await client.data_utama("199001012015011001")
    assert "salah" not in str(caught.value)


async def test_unknown_nip_is_not_found_from_the_404_envelope() -> None:
    async with _client(siasn.create_app(), [0.0]) as client:
        with pytest.raises(NotFound):
            await client.data_utama("199001012015011999")


async def test_ref_unor_names_each_opd_head_by_pns_id() -> None:
    api = siasn.create_app()
    head = nips_of(OPD, 4)[0]
    async with _client(api, [0.0]) as client:
        units = {u.unor_id: u for u in await client.ref_unor()}
        person = await client.data_utama(head)
    opd = units[unor_induk_id(OPD)]
    assert same_id(opd.pemimpin_pns_id, person.pns_id)
    assert opd.pemimpin_pns_id == person.pns_id.upper()  # ids come in mixed case


@pytest.mark.parametrize("source", ["wire", "simulator"])
async def test_history_titles_dates_and_empty_values_read_as_bkn_writes_them(
        source: str) -> None:
    if source == "wire":
        body = {"code": 1, "data": [wire.RW_JABATAN, wire.RW_JABATAN_OLDER]}
        transport = httpx.MockTransport(lambda r: httpx.Response(200, json=body))
        tokens = httpx.MockTransport(lambda r: httpx.Response(
            200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600}))
        client = SiasnClient("http://api.test", token_url="http://t/oauth2/token",
                             client_id="k", client_secret=SecretStr("s"), sso_url="http://t/sso",
                             sso_username="199001012015011001", sso_password=SecretStr("p"),
                             token_transport=tokens, transport=transport)
        nip = wire.RW_JABATAN["nipBaru"]
    else:
        client = _client(siasn.create_app(), [0.0])
        nip = nips_of(OPD, 4)[1]
    async with client:
        history = await client.riwayat_jabatan(nip)
    assert history == newest_first(history) and len(history) >= 2
    latest = history[0]
    assert latest.title and latest.title == latest.title.upper()
    assert isinstance(latest.tmt_jabatan, date)
    if source == "wire":
        assert latest.title == wire.RW_JABATAN["namaJabatan"]
        assert latest.fungsional_nama is None  # "" read as missing


def test_the_title_field_depends_on_jenis_jabatan() -> None:
    item = RiwayatJabatan.model_validate(wire.RW_JABATAN_OLDER)
    assert item.jenis_jabatan == "4"
    assert item.title == wire.RW_JABATAN_OLDER["jabatanFungsionalUmumNama"]
    assert RiwayatJabatan.model_validate(
        {**wire.RW_JABATAN, "tmtJabatan": "01-01-0001"}).tmt_jabatan is None
