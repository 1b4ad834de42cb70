"""DukcapilClient on the real wire shapes: every case runs on the design note's bodies
(``tests/fixtures/dukcapil_wire.py``, through ``httpx.MockTransport``) and on the live simulator
(in process, ``httpx.ASGITransport``), so connector and simulator are held to the same facts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.dukcapil import DukcapilClient, VerifyResult
from connectors.errors import (
    AuthError,
    ConnectorError,
    OutsideAccessHours,
    QuotaExceeded,
    SetupRefused,
)
from simulators.dukcapil import create_app
from simulators.population import residents
from tests.fixtures import dukcapil_wire as wire

pytestmark = pytest.mark.anyio
SEED = 11
PASSWORD = "sandbox-dukcapil-pass"


@dataclass
class Gateway:
    """One gateway under test: the recorded bodies or the simulator."""

    kind: str
    transport: httpx.AsyncBaseTransport
    admin: httpx.AsyncClient | None
    nik: str
    nama: str
    requests: list[httpx.Request] = field(default_factory=list)
    item: dict[str, Any] = field(default_factory=dict)

    def client(self, **overrides: Any) -> DukcapilClient:
        kwargs: dict[str, Any] = {"user_id": "hub", "password": SecretStr(PASSWORD),
                                  "instansi": "DISKOMINFO", "ip_user": "127.0.0.1",
                                  "threshold": 80, "transport": self.transport,
                                  "max_attempts": 3, "sleep": _no_sleep}
        kwargs.update(overrides)
        return DukcapilClient("http://gateway.test", **kwargs)

    async def config(self, **patch: Any) -> None:
        if self.admin is not None:
            (await self.admin.post("/_sim/config", json=patch)).raise_for_status()


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture(params=["wire", "simulator"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateway]:
    who = residents("1571", SEED, 5)[0]
    if request.param == "wire":
        box = Gateway("wire", httpx.MockTransport(lambda r: r), None, wire.NIK, "PAIJO")

        def handle(req: httpx.Request) -> httpx.Response:
            req.read()
            box.requests.append(req)
            return httpx.Response(200, json=wire.envelope(box.item))

        box.transport = httpx.MockTransport(handle)
        yield box
        return
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as admin:
        await admin.post("/_sim/seed", json={"n": 5, "seed": SEED})
        yield Gateway("simulator", transport, admin, who.nik, who.nama)


async def test_a_success_without_any_response_code_is_a_found_nik(gateway: Gateway) -> None:
    """Fails if the connector ever demands a success code ("01") again."""
    gateway.item = wire.SUCCESS
    async with gateway.client() as dukcapil:
        result = await dukcapil.verify_by_elements(gateway.nik, nama=gateway.nama)
    assert result.response_code is None
    assert result.matched["NIK"] is True and result.matched["NAMA_LGKP"] is True
    assert result.score["NAMA_LGKP"] == 100
    assert result.quota_left is not None and result.quota_left > 0
    assert dukcapil.calls_sent == 1  # parsed at once: never retried as "malformed"


async def test_a_name_mismatch_still_carries_its_score(gateway: Gateway) -> None:
    gateway.item = wire.MISMATCH
    async with gateway.client() as dukcapil:
        result = await dukcapil.verify_by_elements(gateway.nik, nama="Xyzzy Qwerty Plugh")
    assert result.response_code is None
    assert result.elements["NAMA_LGKP"].startswith("Tidak Sesuai (")
    assert result.matched["NAMA_LGKP"] is False
    assert result.score["NAMA_LGKP"] is not None and result.score["NAMA_LGKP"] < 80


async def test_not_found_is_a_person_outcome_returned_once(gateway: Gateway) -> None:
    gateway.item = wire.error("13")
    async with gateway.client() as dukcapil:
        result = await dukcapil.verify_by_elements(gateway.nik[:12] + "9999")
    assert result == VerifyResult(response_code="13", quota_left=result.quota_left)
    assert dukcapil.calls_sent == 1


@dataclass(frozen=True)
class Setup:
    code: str
    error: type[ConnectorError]
    client: dict[str, Any]
    config: dict[str, Any]


SETUP = {
    "login": Setup("03", AuthError, {"password": SecretStr("salah")}, {}),
    "ip": Setup("04", SetupRefused, {"ip_user": "10.9.9.9"}, {}),
    "quota": Setup("05", QuotaExceeded, {}, {"daily_quota": 0}),
    "hours": Setup("06", OutsideAccessHours, {}, {"access_hours": "00:00-00:00"}),
    "empty": Setup("09", SetupRefused, {"ip_user": ""}, {}),
    "bad_ip": Setup("10", SetupRefused, {"ip_user": "not-an-ip"}, {}),
    "instansi": Setup("16", SetupRefused, {}, {"account": "instansi_inactive"}),
    "user": Setup("17", SetupRefused, {}, {"account": "user_inactive"}),
}


@pytest.mark.parametrize("case", list(SETUP))
async def test_setup_faults_are_raised_with_code_and_meaning_never_retried(
        gateway: Gateway, case: str) -> None:
    setup = SETUP[case]
    gateway.item = wire.error(setup.code, "RESPON")
    await gateway.config(**setup.config)
    async with gateway.client(**setup.client) as dukcapil:
        with pytest.raises(setup.error) as caught:
            await dukcapil.verify_by_elements(gateway.nik, nama=gateway.nama)
    assert getattr(caught.value, "dukcapil_code", None) == setup.code
    assert f"code {setup.code}:" in str(caught.value)
    assert dukcapil.calls_sent == 1
    assert gateway.nik not in str(caught.value) and gateway.nama not in str(caught.value)


@pytest.mark.parametrize("code", wire.PERSON_CODES)
async def test_each_person_code_in_either_text_key_is_a_result(code: str) -> None:
    for key in ("RESPONSE", "RESPON"):
        transport = httpx.MockTransport(
            lambda r, key=key: httpx.Response(200, json=wire.envelope(wire.error(code, key))))
        async with DukcapilClient("http://g", "hub", SecretStr("p"), "X", "10.0.0.1",
                                  transport=transport) as dukcapil:
            assert (await dukcapil.verify_by_elements(wire.NIK)).response_code == code


async def test_call_nik_sends_lower_case_keys_and_reads_the_area(gateway: Gateway) -> None:
    gateway.item = wire.PERSON
    async with gateway.client() as dukcapil:
        info = await dukcapil.get_by_nik(gateway.nik)
    assert info.response_code is None and info.kelurahan and info.kabupaten
    if gateway.requests:
        sent = json.loads(gateway.requests[0].content)
        assert set(sent) == {"nik", "user_id", "password", "ip_user"}
        assert gateway.requests[0].url.path == "/dukcapil/get_json/DISKOMINFO/CALL_NIK"
    assert "PAIJO" not in repr(info) and gateway.nama not in repr(info)


@pytest.mark.parametrize(("text", "code"), list(wire.RESPON_TEXTS.items()))
async def test_call_nik_text_only_errors_are_read_case_insensitively(text: str, code: str) -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, json=wire.envelope({"RESPON": text})))
    async with DukcapilClient("http://g", "hub", SecretStr("p"), "X", "10.0.0.1",
                              transport=transport, max_attempts=1) as dukcapil:
        if code == "13":
            assert (await dukcapil.get_by_nik(wire.NIK)).response_code == "13"
        else:
            with pytest.raises(ConnectorError) as caught:
                await dukcapil.get_by_nik(wire.NIK)
            assert getattr(caught.value, "dukcapil_code", None) == code


@pytest.mark.parametrize("lower", [False, True])
async def test_the_simulator_answers_call_nik_errors_with_text_in_its_case(lower: bool) -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as admin:
        await admin.post("/_sim/config", json={"call_nik_lower_case": lower})
        async with DukcapilClient("http://sim", "hub", SecretStr(PASSWORD), "X", "127.0.0.1",
                                  transport=transport) as dukcapil:
            assert (await dukcapil.get_by_nik(wire.NIK)).response_code == "13"
        raw = await admin.post("/dukcapil/get_json/X/call_nik", json={
            "nik": wire.NIK, "user_id": "hub", "password": PASSWORD, "ip_user": "127.0.0.1"})
    assert raw.json()["content"] == [
        {"RESPON": "Data tidak ditemukan" if lower else "Data Tidak Ditemukan"}]


async def test_regional_path_carries_the_region_segment(gateway: Gateway) -> None:
    gateway.item = wire.SUCCESS
    template = "/dukcapil/get_json/{region}/{instansi}/{method}"
    async with gateway.client(path_template=template, region="33-74",
                              verify_method="koneksitas_verifby_elemen") as dukcapil:
        result = await dukcapil.verify_by_elements(gateway.nik, nama=gateway.nama)
    assert result.response_code is None
    if gateway.requests:
        assert gateway.requests[0].url.path == \
            "/dukcapil/get_json/33-74/DISKOMINFO/koneksitas_verifby_elemen"


async def test_unreadable_bodies_are_retried_and_each_attempt_counted() -> None:
    bodies: list[Callable[[], httpx.Response]] = [
        lambda: httpx.Response(200, content=b'{"content": [{"RESPONSE_CODE": "0'),
        lambda: httpx.Response(200, json=wire.envelope({"NAMA_LGKP": "Sesuai (100)"})),
        lambda: httpx.Response(200, json=wire.envelope(wire.SUCCESS)),
    ]
    transport = httpx.MockTransport(lambda r: bodies.pop(0)())
    async with DukcapilClient("http://g", "hub", SecretStr("p"), "X", "10.0.0.1",
                              transport=transport, sleep=_no_sleep) as dukcapil:
        result = await dukcapil.verify_by_elements(wire.NIK, nama="PAIJO")
    assert result.response_code is None and dukcapil.calls_sent == 3


async def test_echoed_values_are_dropped_and_never_kept() -> None:
    item = {"NIK": "Sesuai", "NAMA_LGKP": "PAIJO", "ALAMAT": "Sesuai (90)"}
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=wire.envelope(item)))
    async with DukcapilClient("http://g", "hub", SecretStr("p"), "X", "10.0.0.1",
                              transport=transport) as dukcapil:
        result = await dukcapil.verify_by_elements(wire.NIK, nama="PAIJO")
    assert result.elements == {"NIK": "Sesuai", "ALAMAT": "Sesuai (90)"}
    assert "PAIJO" not in repr(result)
