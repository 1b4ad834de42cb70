"""The read API per role, over ASGI HTTP, on SQLite and PostgreSQL: each role sees its share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.core.settings import Settings
from hub.sync.pipeline import Hub
from tests.hub.viewdata import NOW, PII, Seeded, seed


@pytest.fixture
def api(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, Seeded]]:
    hub = Hub.from_settings(Settings(database_url=db_url), engine=engine)
    data = seed(engine)
    with TestClient(create_app(hub, clock=lambda: NOW)) as client:
        yield client, data


def get(client: TestClient, key: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"X-API-Key": key})


def ids_of(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_oversight_sees_every_channel_masked_and_rahasia_withheld(api: Any) -> None:
    client, d = api
    r = get(client, d.keys["oversight"], "/api/v1/tickets")
    assert ids_of(r) == set(d.ids.values())  # skipped records are no tickets
    assert not any(p in r.text for p in PII)
    rahasia = get(client, d.keys["oversight"], f"/api/v1/tickets/{d.ids['rahasia']}").json()
    assert rahasia["judul"] == rahasia["isi"] == "[rahasia]" and rahasia["pelapor"] is None
    plain = get(client, d.keys["oversight"], f"/api/v1/tickets/{d.ids['plain']}")
    assert plain.json()["pelapor"]["nama"] == "S*** R***" and not any(p in plain.text for p in PII)


def test_agency_sees_only_its_own_with_contact(api: Any) -> None:
    client, d = api
    key = d.keys["jambi_dlh"]
    assert ids_of(get(client, key, "/api/v1/tickets")) == {d.ids["rahasia"]}
    own = get(client, key, f"/api/v1/tickets/{d.ids['rahasia']}").json()
    assert own["judul"] == "Aduan 2" and own["pelapor"]["nama"] == "Siti Rahmawati"
    assert own["pelapor"]["telepon"] == "081234567890"
    assert own["pelapor"]["nik"] == "1571********0001"  # contact, not the NIK
    assert [a["event"] for a in own["audit"]] == ["ticket.ingested"]


def test_other_agencys_ticket_is_404_like_a_missing_one(api: Any) -> None:
    client, d = api
    key = d.keys["jambi_dlh"]
    theirs = get(client, key, f"/api/v1/tickets/{d.ids['plain']}")
    missing = get(client, key, "/api/v1/tickets/999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"detail": "ticket not found"}
    other = get(client, key, "/api/v1/tickets", instansi="DPUPR-KOTA-JAMBI")
    assert other.status_code == 400 and "DPUPR" not in other.json()["detail"]


def test_anonymous_reporter_never_shown_even_to_its_agency(api: Any) -> None:
    client, d = api
    anon = get(client, d.keys["malang_dlh"], f"/api/v1/tickets/{d.ids['anonim']}").json()
    assert anon["anonim"] and anon["pelapor"] is None


def test_integrator_sees_operations_without_identity_or_rahasia(api: Any) -> None:
    client, d = api
    key = d.keys["integrator"]
    r = get(client, key, "/api/v1/tickets")
    assert ids_of(r) == set(d.ids.values()) - {d.ids["rahasia"]}
    detail = get(client, key, f"/api/v1/tickets/{d.ids['plain']}")
    assert detail.json()["pelapor"] is None and not any(p in detail.text for p in PII)
    assert get(client, key, f"/api/v1/tickets/{d.ids['rahasia']}").status_code == 404
    runs = get(client, key, "/api/v1/runs").json()
    assert {run["run_id"] for run in runs} == {"run-sikesal", "run-sambat"}
    assert get(client, key, "/api/v1/quarantine").json() == []
    assert get(client, d.keys["oversight"], "/api/v1/runs").status_code == 403


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "lh_000000000000_nope-nope-nope-nope-x"},
                                     {"X-API-Key": "garbage"}, {"Authorization": "Bearer x"}])
def test_missing_or_bad_key_is_401(api: Any, headers: dict[str, str]) -> None:
    client, _ = api
    r = client.get("/api/v1/tickets", headers=headers)
    assert r.status_code == 401 and r.json() == {"detail": "missing or invalid API key"}


def test_bearer_header_works_too(api: Any) -> None:
    client, d = api
    r = client.get("/api/v1/sla", headers={"Authorization": f"Bearer {d.keys['oversight']}"})
    assert r.status_code == 200


@pytest.mark.parametrize(("params", "status", "says"), [
    ({"channel": "nowhere"}, 400, "unknown channel nowhere"),
    ({"instansi": "NOPE"}, 400, "unknown instansi"),
    ({"from": "2026-10-31", "to": "2026-10-01"}, 400, "wrong way round"),
    ({"period": "2026-10-31..2026-10-01"}, 400, "wrong way round"),
    ({"period": "Oktober"}, 400, "period must be a month"),
    ({"period": "2026-10", "from": "2026-10-01"}, 400, "not both"),
    ({"status": "done"}, 422, "belum_terverifikasi"),
    ({"sla": "sometimes"}, 422, "at_risk"),
    ({"limit": 0}, 422, "greater than or equal"),
])
def test_bad_filters_are_4xx_with_the_reason(api: Any, params: dict[str, Any], status: int,
                                             says: str) -> None:
    client, d = api
    r = get(client, d.keys["oversight"], "/api/v1/tickets", **params)
    assert r.status_code == status and says in r.text


def test_filters_by_channel_period_status_and_sla(api: Any) -> None:
    client, d = api
    key = d.keys["oversight"]
    assert ids_of(get(client, key, "/api/v1/tickets", channel="sambat")) == \
        {d.ids["anonim"], d.ids["answered"]}
    assert d.ids["september"] not in ids_of(get(client, key, "/api/v1/tickets", period="2026-10"))
    assert ids_of(get(client, key, "/api/v1/tickets", status="tindak_lanjut")) == \
        {d.ids["answered"]}
    # darurat: 24 h from 5 Oct, not answered by 20 Oct -> late; sambat day 9 of 7 -> late.
    late = get(client, key, "/api/v1/tickets", sla="late")
    assert ids_of(late) == {d.ids["plain"], d.ids["rahasia"], d.ids["anonim"]}
    plain = next(i for i in late.json()["items"] if i["id"] == d.ids["plain"])
    assert plain["sla_unit"] == "hours" and plain["sla_overrun"] == 15 * 24 + 3 - 24


def test_cursor_pages_cover_everything_once_and_refuse_garbage(api: Any) -> None:
    client, d = api
    key, seen, cursor = d.keys["oversight"], [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = get(client, key, "/api/v1/tickets", **params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Each ticket exactly once, newest first: a set or a sort would hide a ticket served twice.
    assert seen == sorted(set(d.ids.values()), reverse=True)
    first = get(client, key, "/api/v1/tickets", limit=1).json()["next_cursor"]
    garbled = get(client, key, "/api/v1/tickets", cursor="!!not-a-cursor")
    assert garbled.status_code == 400 and "garbled" in garbled.json()["detail"]
    other_query = get(client, key, "/api/v1/tickets", cursor=first, channel="sambat")
    assert other_query.status_code == 400 and "different query" in other_query.json()["detail"]
    other_key = get(client, d.keys["integrator"], "/api/v1/tickets", cursor=first)
    assert other_key.status_code == 400


def test_csv_export_by_accept_header_or_format(api: Any) -> None:
    client, d = api
    by_header = client.get("/api/v1/tickets", headers={"X-API-Key": d.keys["malang_dlh"],
                                                       "Accept": "text/csv"})
    by_param = get(client, d.keys["malang_dlh"], "/api/v1/tickets", format="csv")
    assert by_header.text == by_param.text
    assert by_header.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(by_header.text)))
    assert {r["instansi"] for r in rows} == {"DLH-KOTA-MALANG"} and len(rows) == 2
    sla = list(csv.DictReader(io.StringIO(
        get(client, d.keys["oversight"], "/api/v1/sla", format="csv").text)))
    assert {r["dimension"] for r in sla} == {"total", "channel", "instansi"}


def test_sla_compliance_per_channel_and_opd(api: Any) -> None:
    client, d = api
    body = get(client, d.keys["oversight"], "/api/v1/sla", period="2026-10").json()
    assert body["total"]["tickets"] == 4 and body["date_from"] == "2026-10-01"
    sikesal = next(c for c in body["by_channel"] if c["group"] == "sikesal")
    assert sikesal["late"] == 2 and sikesal["compliance_pct"] == 0.0
    sambat = next(c for c in body["by_channel"] if c["group"] == "sambat")
    assert sambat["met"] == 1 and sambat["late"] == 1 and sambat["compliance_pct"] == 50.0
    mine = get(client, d.keys["malang_dlh"], "/api/v1/sla").json()
    assert [c["group"] for c in mine["by_instansi"]] == ["DLH-KOTA-MALANG"]


def test_openapi_documents_the_routes(api: Any) -> None:
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/sla"} <= set(paths)


def test_two_way_sync_state_is_joined_when_that_table_exists(api: Any, engine: Engine) -> None:
    from datetime import datetime

    from hub.view.records import sync_table

    table = sync_table()
    assert table is not None, "the read API finds no two-way sync table to join"
    client, d = api
    with engine.begin() as conn:
        conn.execute(table.insert().values(
            ticket_id=d.ids["plain"], channel="sikesal", source_id="SIKESAL-1", tracking_id="T-1",
            instansi="DPUPR-KOTA-JAMBI", lapor_status="tindak_lanjut", channel_status="diproses",
            lapor_at=datetime.fromisoformat("2026-10-05T20:00:00+07:00"),
            officer_name="Budi Hartono", officer_unor="UNOR-PUPR-JALAN",
            **{c: "[]" for c in ("seen_lapor", "seen_channel", "out_lapor", "out_channel")
               if c in table.c}))
    body = get(client, d.keys["jambi_pupr"], f"/api/v1/tickets/{d.ids['plain']}").json()
    assert (body["lapor_status"], body["channel_status"], body["petugas"]) == \
        ("tindak_lanjut", "diproses", "Budi Hartono")
    # Answered 11 h after a 24 h darurat report: the response stage is met.
    assert body["sla"]["stages"][0]["state"] == "met" and body["sla_state"] == "met"
