from __future__ import annotations

import httpx
import pytest

from simulators import lapor
from simulators.runner import SimulatorSettings, build_apps, running

REPORT = {"judul": "Lampu jalan mati", "isi": "Gelap.", "klasifikasi": "pengaduan",
          "kategori": "1", "instansi_tujuan": "DISHUB-1571", "anonim": True,
          "sumber": "SIKESAL", "ref_eksternal": "SKL-000009"}
LOGIN = {"USER_ID": "hub", "PASSWORD": "sandbox-dukcapil-pass", "IP_USER": "127.0.0.1"}


def test_simulators_serve_over_real_sockets() -> None:
    apps = build_apps(SimulatorSettings(seed=3, n=120, dukcapil_n=50))
    with running(apps) as sims:
        assert {"lapor", "sikesal", "sambat", "dukcapil"} <= set(sims)
        assert sims["lapor"].base_url.endswith("/api/v1")
        with httpx.Client(headers={"Authorization": f"Bearer {lapor.DEFAULT_TOKEN}"}) as client:
            created = client.post(f"{sims['lapor'].base_url}/laporan", json=REPORT)
            assert created.status_code == 201
            client.post(f"{sims['lapor'].root}/_sim/faults", json={"accept_then_fail_rate": 1.0})
            outcomes = set()
            for _ in range(8):
                try:
                    outcomes.add(client.post(f"{sims['lapor'].base_url}/laporan",
                                             json=REPORT).status_code)
                except httpx.RemoteProtocolError:
                    outcomes.add(0)  # the connection was dropped mid-response
            assert outcomes == {0, 502}
            assert client.get(f"{sims['lapor'].root}/_sim/state").json()["count"] == 9

        sikesal_auth = {"Authorization": "Bearer sandbox-sikesal-token"}
        page = httpx.get(f"{sims['sikesal'].base_url}/laporan", params={"limit": 500},
                         headers=sikesal_auth).json()
        assert len(page["data"]) == 120 and (page["last_id"], page["more"]) == (120, False)

        nik = page["data"][0]["nik"]
        answer = httpx.post(f"{sims['dukcapil'].base_url}/dukcapil/get_json/X/CALL_NIK",
                            json={"nik": "1571011508900001", "user_id": LOGIN["USER_ID"],
                                  "password": LOGIN["PASSWORD"], "ip_user": LOGIN["IP_USER"]}
                            ).json()
        item = answer["content"][0]  # CALL_NIK: the person or a text-only error, never a code
        assert "RESPONSE_CODE" not in item
        assert item.get("RESPON") in {None, "Data Tidak Ditemukan"}
        assert nik is not None


def test_unknown_simulator_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown simulators"):
        build_apps(SimulatorSettings(only=["no-such-simulator"]))


def test_requests_the_client_gave_up_on_are_counted_until_they_end_and_reset_waits() -> None:
    with running(build_apps(SimulatorSettings(only=["lapor"]))) as sims:
        sim = sims["lapor"]
        with httpx.Client(headers={"Authorization": f"Bearer {lapor.DEFAULT_TOKEN}"}) as client:
            client.post(f"{sim.root}/_sim/faults", json={"timeout_rate": 1.0, "hang_s": 1.0})
            with pytest.raises(httpx.TimeoutException):
                client.post(f"{sim.base_url}/laporan", json=REPORT, timeout=0.1)
            during = client.get(f"{sim.root}/_sim/inflight").json()
            before = client.get(f"{sim.root}/_sim/state").json()["count"]
            # The hung POST stores its report when the hang ends; the reset must wait for it,
            # or that report would turn up in the next test's LAPOR!.
            reset = client.post(f"{sim.root}/_sim/reset", timeout=30)
            after = client.get(f"{sim.root}/_sim/inflight").json()
            settled = client.get(f"{sim.root}/_sim/inflight", params={"wait_s": 5}).json()
            state = client.get(f"{sim.root}/_sim/state").json()
    assert (during["inflight"], before) == (1, 0)
    assert reset.status_code == 200
    assert after == {"inflight": 0, "started": 1, "finished": 1}
    assert state["count"] == 0
    assert settled["inflight"] == 0


def test_settled_state_holds_the_reports_of_requests_the_client_gave_up_on() -> None:
    with running(build_apps(SimulatorSettings(only=["lapor"]))) as sims:
        sim = sims["lapor"]
        with httpx.Client(headers={"Authorization": f"Bearer {lapor.DEFAULT_TOKEN}"}) as client:
            client.post(f"{sim.root}/_sim/faults", json={"timeout_rate": 1.0, "hang_s": 1.0})
            for _ in range(3):
                with pytest.raises(httpx.TimeoutException):
                    client.post(f"{sim.base_url}/laporan", json=REPORT, timeout=0.1)
            bad = client.get(f"{sim.root}/_sim/inflight", params={"wait_s": "soon"})
            settled = client.get(f"{sim.root}/_sim/inflight", params={"wait_s": 30}).json()
            count = client.get(f"{sim.root}/_sim/state").json()["count"]
    assert bad.status_code == 422
    assert settled == {"inflight": 0, "started": 3, "finished": 3}
    assert count == 3
