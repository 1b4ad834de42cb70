"""DukcapilClient against the Dukcapil gateway simulator in process (``httpx.ASGITransport``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.dukcapil import DukcapilClient
from connectors.errors import AuthError, OutsideAccessHours, QuotaExceeded
from simulators.dukcapil import create_app
from simulators.population import Resident, residents

pytestmark = pytest.mark.anyio

SEED = 11


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncBaseTransport, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://dukcapil.sim") as admin:
        await admin.post("/_sim/seed", json={"n": 5, "seed": SEED})
        yield transport, admin


@pytest.fixture
def person() -> Resident:
    return residents("1571", SEED, 5)[0]


def client(sim: Any, sleeps: Any, password: str = "sandbox-dukcapil-pass") -> DukcapilClient:
    return DukcapilClient(
        "http://dukcapil.sim",
        "hub",
        SecretStr(password),
        "DISKOMINFO",
        "127.0.0.1",
        threshold=80,
        transport=sim[0],
        max_attempts=3,
        sleep=sleeps,
    )


async def test_verify_matches_a_known_resident(sim: Any, sleeps: Any, person: Resident) -> None:
    async with client(sim, sleeps) as dukcapil:
        result = await dukcapil.verify_by_elements(
            person.nik,
            nama=person.nama.lower(),
            tanggal_lahir=person.tanggal_lahir,
            jenis_kelamin=person.jenis_kelamin,
        )
    assert result.response_code is None  # a success carries no code on the real wire
    assert result.matched == {"NIK": True, "NAMA_LGKP": True, "TGL_LHR": True, "JENIS_KLMIN": True}
    assert result.score["NAMA_LGKP"] == 100 and result.score["TGL_LHR"] is None
    assert result.quota_left is not None


async def test_verify_scores_a_near_miss_and_rejects_a_stranger(
    sim: Any, sleeps: Any, person: Resident
) -> None:
    near = person.nama[:-1]
    async with client(sim, sleeps) as dukcapil:
        close = await dukcapil.verify_by_elements(person.nik, nama=near)
        wrong = await dukcapil.verify_by_elements(person.nik, nama="Xyzzy Qwerty Plugh")
    assert close.matched["NAMA_LGKP"] is True
    assert close.score["NAMA_LGKP"] is not None
    assert 80 <= close.score["NAMA_LGKP"] < 100
    assert wrong.matched["NAMA_LGKP"] is False
    assert wrong.score["NAMA_LGKP"] is not None  # a score on the mismatch too


async def test_get_by_nik_gives_the_area(sim: Any, sleeps: Any, person: Resident) -> None:
    async with client(sim, sleeps) as dukcapil:
        info = await dukcapil.get_by_nik(person.nik)
    assert info.response_code is None
    assert info.kelurahan == person.kelurahan.upper()
    assert info.kecamatan == person.kecamatan.upper()
    assert info.kabupaten == person.kabkota.upper()


async def test_unknown_and_malformed_niks_are_results(
    sim: Any, sleeps: Any, person: Resident
) -> None:
    unknown = person.nik[:12] + "9999"
    async with client(sim, sleeps) as dukcapil:
        assert (await dukcapil.verify_by_elements(unknown)).response_code == "13"
        assert (await dukcapil.verify_by_elements("12345")).response_code == "15"
        # CALL_NIK answers both with the text "Data Tidak Ditemukan" only, no code.
        assert (await dukcapil.get_by_nik("12345")).response_code == "13"


async def test_login_failure_is_auth_error_without_the_nik(
    sim: Any, sleeps: Any, person: Resident
) -> None:
    async with client(sim, sleeps, password="wrong") as dukcapil:
        with pytest.raises(AuthError) as caught:
            await dukcapil.verify_by_elements(person.nik, nama=person.nama)
    assert person.nik not in str(caught.value)
    assert person.nama not in str(caught.value)


async def test_quota_used_up_is_quota_exceeded(sim: Any, sleeps: Any, person: Resident) -> None:
    await sim[1].post("/_sim/config", json={"daily_quota": 1})
    async with client(sim, sleeps) as dukcapil:
        first = await dukcapil.verify_by_elements(person.nik)
        with pytest.raises(QuotaExceeded):
            await dukcapil.verify_by_elements(person.nik)
    assert first.quota_left == 0 and first.response_code is None
    assert sleeps.waits == []


async def test_closed_gateway_is_outside_access_hours(
    sim: Any, sleeps: Any, person: Resident
) -> None:
    await sim[1].post("/_sim/config", json={"access_hours": "00:00-00:00"})
    async with client(sim, sleeps) as dukcapil:
        with pytest.raises(OutsideAccessHours):
            await dukcapil.get_by_nik(person.nik)


async def test_gateway_5xx_is_retried(sim: Any, sleeps: Any, person: Resident) -> None:
    await sim[1].post("/_sim/faults", json={"error_rate": 0.5, "seed": 2})
    async with client(sim, sleeps) as dukcapil:
        for _ in range(5):
            assert (await dukcapil.get_by_nik(person.nik)).response_code is None
    assert sleeps.waits  # some calls failed and were retried
