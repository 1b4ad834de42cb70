from __future__ import annotations

import httpx
import pytest

from simulators import lapor
from simulators.runner import SimulatorSettings, build_apps, running

REPORT = {"judul": "Lampu jalan mati", "isi": "Gelap.", "klasifikasi": "pengaduan",
          "kategori": "Infrastruktur", "instansi_tujuan": "DISHUB-1571", "anonim": True,
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
        page = httpx.get(f"{sims['sikesal'].base_url}/pengaduan", params={"limit": 500},
                         headers=sikesal_auth).json()
        assert len(page["data"]) == 120 and page["next_cursor"] is None

        nik = page["data"][0]["pelapor"] or page["data"][1]["pelapor"]
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
