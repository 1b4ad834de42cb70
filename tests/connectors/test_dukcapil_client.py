"""DukcapilClient: request body, verdict parsing, business-code mapping, no NIK in errors."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from connectors.dukcapil import DukcapilClient, ResidentInfo
from connectors.errors import (
    AuthError,
    ConnectorError,
    MalformedResponse,
    OutsideAccessHours,
    QuotaExceeded,
    RetriableError,
)

pytestmark = pytest.mark.anyio

NIK = "1571014507900001"
NAME = "Siti Aminah"


def gateway(item: dict[str, Any], quota: int | None = 99) -> httpx.Response:
    return httpx.Response(
        200,
        json={"content": [item], "lastPage": True, "numberOfElements": 1, "quotaLimiter": quota},
    )


def client(script: Any, client_kwargs: Any, **overrides: Any) -> DukcapilClient:
    kwargs = client_kwargs(script, **{"base_url": "http://gateway.test", **overrides})
    return DukcapilClient(
        kwargs.pop("base_url"),
        "hub",
        SecretStr("sandbox-dukcapil-pass"),
        "DISKOMINFO",
        "10.0.0.7",
        threshold=85,
        **kwargs,
    )


async def test_verify_sends_only_the_elements_asked_with_gateway_names(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(gateway({"RESPONSE_CODE": "01", "NIK": "Sesuai"}))
    async with client(script, client_kwargs) as dukcapil:
        await dukcapil.verify_by_elements(NIK, nama=NAME, tanggal_lahir=date(1990, 7, 5))
    request = script.requests[0]
    assert request.url.path == "/dukcapil/get_json/DISKOMINFO/CALL_VERIFY_BY_ELEMEN"
    assert NIK not in str(request.url)
    assert "Authorization" not in request.headers
    assert json.loads(request.content) == {
        "USER_ID": "hub",
        "PASSWORD": "sandbox-dukcapil-pass",
        "IP_USER": "10.0.0.7",
        "TRESHOLD": 85,
        "NIK": NIK,
        "NAMA_LGKP": NAME,
        "TGL_LHR": "05-07-1990",
    }


async def test_verify_parses_verdicts_scores_and_quota(scripted: Any, client_kwargs: Any) -> None:
    item = {
        "RESPONSE_CODE": "01",
        "NIK": "Sesuai",
        "NAMA_LGKP": "Sesuai (96)",
        "TMPT_LHR": "Tidak Sesuai",
        "TGL_LHR": "Tidak Sesuai (40)",
    }
    script = scripted(gateway(item, quota=4321))
    async with client(script, client_kwargs) as dukcapil:
        result = await dukcapil.verify_by_elements(NIK, nama=NAME, tempat_lahir="Jambi")
    assert result.response_code == "01"
    assert result.elements == {k: v for k, v in item.items() if k != "RESPONSE_CODE"}
    assert result.matched == {"NIK": True, "NAMA_LGKP": True, "TMPT_LHR": False, "TGL_LHR": False}
    assert result.score == {"NIK": None, "NAMA_LGKP": 96, "TMPT_LHR": None, "TGL_LHR": 40}
    assert result.quota_left == 4321


async def test_verify_drops_echoed_values_that_are_not_verdicts(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(gateway({"RESPONSE_CODE": "01", "NIK": NIK, "NAMA_LGKP": NAME}))
    async with client(script, client_kwargs) as dukcapil:
        result = await dukcapil.verify_by_elements(NIK, nama=NAME)
    assert result.elements == {}
    assert NIK not in repr(result)


@pytest.mark.parametrize("code", ["11", "12", "13", "14", "15"])
async def test_outcomes_about_the_person_are_returned_as_results(
    scripted: Any, client_kwargs: Any, code: str
) -> None:
    script = scripted(gateway({"RESPONSE_CODE": code, "RESPONSE": "Data tidak ditemukan"}))
    async with client(script, client_kwargs) as dukcapil:
        result = await dukcapil.verify_by_elements(NIK)
    assert result.response_code == code
    assert result.elements == {}
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("code", "error", "retriable"),
    [("03", AuthError, False), ("05", QuotaExceeded, True), ("06", OutsideAccessHours, True)],
)
async def test_gateway_codes_map_to_errors_without_inline_retry_or_personal_data(
    scripted: Any,
    client_kwargs: Any,
    sleeps: Any,
    code: str,
    error: type[ConnectorError],
    retriable: bool,
) -> None:
    script = scripted(gateway({"RESPONSE_CODE": code, "RESPONSE": f"gagal {NIK} {NAME}"}, quota=0))
    async with client(script, client_kwargs) as dukcapil:
        with pytest.raises(error) as caught:
            await dukcapil.verify_by_elements(NIK, nama=NAME)
        with pytest.raises(error):
            await dukcapil.get_by_nik(NIK)
    assert isinstance(caught.value, RetriableError) is retriable
    assert len(script.requests) == 2
    assert sleeps.waits == []
    text = str(caught.value)
    assert NIK not in text
    assert NIK[:6] not in text
    assert "Siti" not in text
    assert caught.value.system == "dukcapil"
    assert caught.value.path == "/dukcapil/get_json/{instansi}/CALL_VERIFY_BY_ELEMEN"


@pytest.mark.parametrize(
    "body",
    [b'{"content": [{"RESPONSE_CODE": "0', b'{"content": []}', b'{"content": [{"NIK": "Sesuai"}]}'],
)
async def test_malformed_gateway_body_is_retried_then_raised(
    scripted: Any, client_kwargs: Any, body: bytes
) -> None:
    script = scripted(httpx.Response(200, content=body))
    async with client(script, client_kwargs, max_attempts=2) as dukcapil:
        with pytest.raises(MalformedResponse):
            await dukcapil.verify_by_elements(NIK)
    assert len(script.requests) == 2


async def test_server_errors_are_retried_as_the_query_is_idempotent(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(503), gateway({"RESPONSE_CODE": "13"}))
    async with client(script, client_kwargs) as dukcapil:
        assert (await dukcapil.verify_by_elements(NIK)).response_code == "13"


async def test_get_by_nik_returns_the_area_and_drops_the_name(
    scripted: Any, client_kwargs: Any
) -> None:
    item = {
        "RESPONSE_CODE": "01",
        "NIK": NIK,
        "NAMA_LGKP": NAME,
        "KEL_NAME": "Sungai Putri",
        "KEC_NAME": "Danau Sipin",
        "KAB_NAME": "Kota Jambi",
        "PROP_NAME": "Jambi",
    }
    script = scripted(gateway(item))
    async with client(script, client_kwargs) as dukcapil:
        info = await dukcapil.get_by_nik(NIK)
    assert info == ResidentInfo(
        response_code="01",
        kelurahan="Sungai Putri",
        kecamatan="Danau Sipin",
        kabupaten="Kota Jambi",
        provinsi="Jambi",
    )
    assert NAME not in repr(info.model_dump())
    request = script.requests[0]
    assert request.url.path == "/dukcapil/get_json/DISKOMINFO/CALL_NIK"
    assert json.loads(request.content) == {
        "USER_ID": "hub",
        "PASSWORD": "sandbox-dukcapil-pass",
        "IP_USER": "10.0.0.7",
        "NIK": NIK,
    }


async def test_not_found_by_nik_is_a_result_with_no_area(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(gateway({"RESPONSE_CODE": "13", "RESPONSE": "Data tidak ditemukan"}))
    async with client(script, client_kwargs) as dukcapil:
        info = await dukcapil.get_by_nik(NIK)
    assert info == ResidentInfo(response_code="13")


async def test_nothing_logged_carries_the_nik_or_name(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(
        httpx.Response(502, text=NIK),
        gateway({"RESPONSE_CODE": "77", "RESPONSE": NIK}),
    )
    with capture_logs() as logs:
        async with client(script, client_kwargs) as dukcapil:
            await dukcapil.verify_by_elements(NIK, nama=NAME)
    assert [e["event"] for e in logs] == ["http.retry", "dukcapil.unknown_code"]
    assert NIK not in repr(logs)
    assert "Siti" not in repr(logs)
