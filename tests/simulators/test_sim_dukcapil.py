"""The Dukcapil simulator answers as the real gateway (external-systems.md §1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from simulators.clock import WIB, LogicalClock
from simulators.dukcapil import DukcapilConfig, create_app
from simulators.population import residents
from simulators.sikesal import create_app as create_sikesal

ClientFactory = Any  # the client_for fixture of conftest.py
pytestmark = pytest.mark.anyio
VERIFY = "/dukcapil/get_json/DISKOMINFO/CALL_VERIFY_BY_ELEMEN"
BY_NIK = "/dukcapil/get_json/DISKOMINFO/CALL_NIK"
LOGIN = {"USER_ID": "hub", "PASSWORD": "sandbox-dukcapil-pass", "IP_USER": "127.0.0.1"}


def nik_login(nik: str) -> dict[str, str]:
    """CALL_NIK takes lower-case keys."""
    return {"nik": nik, "user_id": "hub", "password": LOGIN["PASSWORD"], "ip_user": "127.0.0.1"}


def content(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lastPage"] is True and body["numberOfElements"] == 1
    return dict(body["content"][0])


async def test_verify_found_with_exact_and_fuzzy_name(client_for: ClientFactory) -> None:
    who = residents("1571", 7, 50)[3]
    config = DukcapilConfig(name_variant_rate=0.0, name_other_rate=0.0)
    async with client_for(create_app(config)) as client:
        assert (await client.post("/_sim/seed", json={"n": 50, "seed": 7})).json() == {
            "seeded": 250}
        exact = content(await client.post(VERIFY, json={
            **LOGIN, "TRESHOLD": 90, "NIK": who.nik, "NAMA_LGKP": who.nama.upper(),
            "TGL_LHR": who.tanggal_lahir.strftime("%d-%m-%Y"), "JENIS_KLMIN": who.jenis_kelamin,
            "TMPT_LHR": who.tempat_lahir}))
        typo = content(await client.post(VERIFY, json={
            **LOGIN, "TRESHOLD": 80, "NIK": who.nik, "NAMA_LGKP": who.nama[:-1] + "x"}))
        wrong = content(await client.post(VERIFY, json={
            **LOGIN, "TRESHOLD": 90, "NIK": who.nik, "NAMA_LGKP": "Siti Aminah Nasution",
            "TGL_LHR": "01-01-1900"}))
    # Success has no RESPONSE_CODE; fuzzy elements carry a score even at 100 and on a mismatch.
    assert exact == {"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)", "TGL_LHR": "Sesuai",
                     "JENIS_KLMIN": "Sesuai", "TMPT_LHR": "Sesuai (100)"}
    assert "RESPONSE_CODE" not in typo
    assert typo["NAMA_LGKP"].startswith("Sesuai (") and typo["NAMA_LGKP"] != "Sesuai (100)"
    assert wrong["NAMA_LGKP"].startswith("Tidak Sesuai (") and wrong["TGL_LHR"] == "Tidak Sesuai"


async def test_the_envelope_is_the_paging_shape_with_quota_left(client_for: ClientFactory) -> None:
    async with client_for(create_app(DukcapilConfig(daily_quota=10))) as client:
        await client.post("/_sim/seed", json={"n": 5, "seed": 2})
        body = (await client.post(VERIFY, json={**LOGIN, "NIK": "1571014507900001"})).json()
    assert set(body) == {"content", "lastPage", "numberOfElements", "sort", "totalElements",
                         "firstPage", "number", "size", "quotaLimiter"}
    assert body["quotaLimiter"] == 9 and isinstance(body["quotaLimiter"], int)


async def test_setup_codes_and_the_respon_key(client_for: ClientFactory) -> None:
    who = residents("1571", 2, 5)[0]
    async with client_for(create_app()) as client:
        await client.post("/_sim/seed", json={"n": 5, "seed": 2})
        ask = {**LOGIN, "NIK": who.nik}
        codes = {
            "09": content(await client.post(VERIFY, json={**ask, "IP_USER": ""})),
            "10": content(await client.post(VERIFY, json={**ask, "IP_USER": "x"})),
            "04": content(await client.post(VERIFY, json={**ask, "IP_USER": "10.1.1.1"})),
            "07": content(await client.post(VERIFY, json={**ask, "TRESHOLD": "tinggi"})),
        }
        await client.post("/_sim/config", json={"account": "user_inactive", "text_key": "RESPON"})
        codes["17"] = content(await client.post(VERIFY, json=ask))
        await client.post("/_sim/config", json={"account": "instansi_inactive"})
        codes["16"] = content(await client.post(VERIFY, json=ask))
        regional = content(await client.post(
            "/dukcapil/get_json/33-74/DISKOMINFO/CALL_VERIFY_BY_ELEMEN", json=ask))
    assert {code: item["RESPONSE_CODE"] for code, item in codes.items()} == {
        code: code for code in codes}
    assert codes["04"]["RESPONSE"] == "IP Tidak Sesuai"
    assert codes["17"] == {"RESPONSE_CODE": "17", "RESPON": "User ID Tidak Aktif"}
    assert regional["RESPONSE_CODE"] == "16"


async def test_some_residents_are_recorded_under_another_spelling(
        client_for: ClientFactory) -> None:
    people = residents("1571", 8, 400)
    async with client_for(create_app()) as client:
        await client.post("/_sim/seed", json={"n": 400, "seed": 8})
        renamed = set((await client.get("/_sim/state")).json()["renamed"])
        verdicts = [content(await client.post(VERIFY, json={
            **LOGIN, "NIK": p.nik, "NAMA_LGKP": p.nama}))["NAMA_LGKP"]
            for p in people if p.nik in renamed]
    assert verdicts and all(v != "Sesuai (100)" for v in verdicts)
    assert any(v.startswith("Sesuai (") for v in verdicts)  # a spelling variant scores high


async def test_call_nik_returns_the_area_of_residence(client_for: ClientFactory) -> None:
    who = residents("3573", 1, 10)[0]
    async with client_for(create_app()) as client:
        await client.post("/_sim/seed", json={"n": 10, "seed": 1})
        found = content(await client.post(BY_NIK, json=nik_login(who.nik)))
    assert "RESPONSE_CODE" not in found
    assert {k: found[k] for k in ("NIK", "KEL_NAME", "KEC_NAME", "KAB_NAME", "PROP_NAME")} == {
        "NIK": who.nik, "KEL_NAME": who.kelurahan.upper(), "KEC_NAME": who.kecamatan.upper(),
        "KAB_NAME": "KOTA MALANG", "PROP_NAME": "JAWA TIMUR"}
    assert found["NO_KEC"].isdigit() and len(found["NO_KEC"]) == 3  # numbers as strings


async def test_refusal_codes(client_for: ClientFactory) -> None:
    who = residents("1571", 2, 5)[0]
    async with client_for(create_app()) as client:
        await client.post("/_sim/seed", json={"n": 5, "seed": 2})
        login = content(await client.post(VERIFY, json={**LOGIN, "PASSWORD": "x", "NIK": who.nik}))
        unknown = content(await client.post(VERIFY, json={**LOGIN, "NIK": who.nik[:12] + "9999"}))
        short = content(await client.post(VERIFY, json={**LOGIN, "NIK": "12345"}))
        bad_date = content(await client.post(VERIFY, json={**LOGIN, "NIK": "1571013213900001"}))
        zero = content(await client.post(VERIFY, json={**LOGIN, "NIK": who.nik[:12] + "0000"}))
    assert login["RESPONSE_CODE"] == "03"
    assert unknown == {"RESPONSE_CODE": "13", "RESPONSE":
                       "Data Tidak Ditemukan, NIK tidak terdapat di database Kependudukan"}
    assert {short["RESPONSE_CODE"], bad_date["RESPONSE_CODE"], zero["RESPONSE_CODE"]} == {"15"}


async def test_daily_quota_runs_out_and_renews_the_next_day(client_for: ClientFactory) -> None:
    clock = LogicalClock(start=datetime(2026, 11, 20, 9, 0, tzinfo=WIB))
    who = residents("1571", 2, 5)[0]
    async with client_for(create_app(DukcapilConfig(daily_quota=2), clock)) as client:
        await client.post("/_sim/seed", json={"n": 5, "seed": 2})
        calls = [await client.post(BY_NIK, json=nik_login(who.nik)) for _ in range(3)]
        state = (await client.get("/_sim/state")).json()
        clock.advance(timedelta(days=1))
        renewed = await client.post(BY_NIK, json=nik_login(who.nik))
    assert [c.json()["quotaLimiter"] for c in calls] == [1, 0, 0]
    assert [content(c).get("RESPON") for c in calls] == [
        None, None, "Kuota Akses Hari ini telah Habis"]
    assert {k: state[k] for k in ("residents", "calls_today", "quota_left")} == {
        "residents": 25, "calls_today": 2, "quota_left": 0}
    assert "RESPON" not in content(renewed) and renewed.json()["quotaLimiter"] == 1


async def test_outside_access_hours_is_06(client_for: ClientFactory) -> None:
    clock = LogicalClock(start=datetime(2026, 11, 20, 23, 30, tzinfo=WIB))
    who = residents("1571", 2, 5)[0]
    async with client_for(create_app(clock=clock)) as client:
        await client.post("/_sim/seed", json={"n": 5, "seed": 2})
        assert (await client.post("/_sim/config", json={"access_hours": "07:00-22:00"})).json()[
            "access_hours"] == "07:00-22:00"
        late = content(await client.post(VERIFY, json={**LOGIN, "NIK": who.nik}))
        await client.post("/_sim/config", json={"access_hours": "22:00-06:00"})
        overnight = content(await client.post(VERIFY, json={**LOGIN, "NIK": who.nik}))
        bad = await client.post("/_sim/config", json={"access_hours": "7-22"})
    assert late["RESPONSE_CODE"] == "06"
    assert "RESPONSE_CODE" not in overnight
    assert bad.status_code == 422


async def test_bad_rate_marks_residents_deceased_or_inactive(client_for: ClientFactory) -> None:
    people = residents("1571", 4, 100)
    async with client_for(create_app()) as client:
        await client.post("/_sim/seed", json={"n": 100, "seed": 4, "bad_rate": 0.3})
        codes = [content(await client.post(VERIFY, json={**LOGIN, "NIK": p.nik}))
                 .get("RESPONSE_CODE") for p in people]
    assert set(codes) == {None, "11", "12", "14"}


async def test_sikesal_reporters_are_known_to_dukcapil(client_for: ClientFactory) -> None:
    async with client_for(create_sikesal()) as sikesal, client_for(create_app()) as dukcapil:
        await sikesal.post("/_sim/seed", json={"n": 300, "seed": 21})
        await dukcapil.post("/_sim/seed", json={"n": 2000, "seed": 21})
        records = (await sikesal.get("/_sim/state")).json()["records"]
        codes = [content(await dukcapil.post(VERIFY, json={
            **LOGIN, "NIK": r["nik"], "NAMA_LGKP": r["nama_pelapor"]}))
            for r in records]
    found = [c for c in codes if "RESPONSE_CODE" not in c]
    exact = [c for c in found if c["NAMA_LGKP"] == "Sesuai (100)"]
    assert len(found) / len(codes) > 0.93
    assert 0.9 < len(exact) / len(found) < 1.0  # a few are recorded under another spelling
    assert {c.get("RESPONSE_CODE") for c in codes} == {None, "13"}
