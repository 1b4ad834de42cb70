"""Console pages per role: overview figures agree with GET /api/v1/sla and the monthly report;
the list filters, pages and exports what the role may see; dates read as Indonesians write them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.console.i18n import day, moment, zone_label
from hub.console.overview import compute_overview
from hub.core.models import LaporStatus
from hub.ledger.ingest import Mapped, ingest_page
from hub.ledger.tables import AuditRow, TicketRow
from hub.report.figures import compute
from hub.sla.rules import default_rules
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role
from hub.view.period import month
from tests.console.helpers import sign_in
from tests.hub.viewdata import NOW, PII, WIB, Seeded, make

ROLES = ("oversight", "integrator", "jambi_dlh", "jambi_pupr", "malang_dlh")
ROLE_OF = {"oversight": "oversight", "integrator": "integrator",
           "jambi_dlh": "agency:DLH-KOTA-JAMBI", "jambi_pupr": "agency:DPUPR-KOTA-JAMBI",
           "malang_dlh": "agency:DLH-KOTA-MALANG"}


def kpis(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-kpi="([a-z_]+)">([^<]+)<', html))


def ticket_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-ticket="(\d+)"', html)]


def bulk(engine: Engine, n: int) -> None:
    """``n`` more Sikesal tickets of DPUPR, one an hour through October, some answered."""
    start = datetime(2026, 10, 1, 8, tzinfo=WIB)
    tickets = [make(100 + i, "sikesal", "DPUPR-KOTA-JAMBI", start + timedelta(hours=3 * i),
                    sla_class="biasa", judul=f"Jalan {i}",
                    status=LaporStatus.selesai if i % 4 == 0 else LaporStatus.belum_terverifikasi)
               for i in range(n)]
    ingest_page(engine, "sikesal", [Mapped(t, {"id": t.source_id}) for t in tickets], [],
                resume_token=None, run_id="bulk")


def test_overview_agrees_with_the_sla_api_and_the_report(client: TestClient, hub: Hub,
                                                         data: Seeded, engine: Engine) -> None:
    bulk(engine, 30)
    rules = default_rules()
    first, last = month("2026-10")
    for name in ROLES:
        role = Role.parse(ROLE_OF[name])
        figures = compute_overview(hub, role, rules, NOW, first, last)
        api = client.get("/api/v1/sla", params={"period": "2026-10"},
                         headers={"X-API-Key": data.keys[name]}).json()
        assert figures.sla.total.model_dump() == api["total"], name
        assert [c.model_dump() for c in figures.sla.by_channel] == api["by_channel"], name
        assert [c.model_dump() for c in figures.sla.by_instansi] == api["by_instansi"], name
        assert sum(r.tickets_in for r in figures.by_channel) == figures.tickets_in
        sign_in(client, data.keys[name])
        shown = kpis(client.get("/", params={"period": "2026-10"}).text)
        assert shown["in"] == str(figures.tickets_in) and shown["done"] == str(figures.done)
        assert shown["late"] == str(api["total"]["late"]), name
        assert ("quarantine" in shown) == (name == "integrator")
    report = compute(engine, "2026-10", NOW, rules)
    overview = compute_overview(hub, Role.parse("oversight"), rules, NOW, first, last)
    assert (overview.tickets_in, overview.done) == (report.reports, report.done)
    assert {r.group: r.tickets_in for r in overview.by_channel} == report.by_channel
    assert {r.group: r.tickets_in for r in overview.by_instansi} == report.by_instansi
    assert overview.sla.total == report.sla_total
    # The backlog's days are the last 30, ending today; where the report has the same day, the
    # same number (both count every ticket open at the end of that day).
    today = rules.calendar.local(NOW).date()
    assert [d.day for d in overview.backlog] == [today - timedelta(days=29 - i)
                                                 for i in range(30)]
    report_days = {d.day: d.open for d in report.backlog}
    assert all(d.day <= today for d in overview.backlog)
    assert {d.day: d.open for d in overview.backlog if d.day in report_days} == \
        {k: v for k, v in report_days.items() if k >= overview.backlog[0].day}
    # Today's backlog is every ticket still open: October's not done (September's is closed).
    assert overview.backlog[-1].open == overview.tickets_in - overview.done
    assert all(d.open == 0 for d in overview.backlog if d.day.month == 9)


def test_live_fragment_is_the_overview_without_the_page(client: TestClient,
                                                        data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    page = client.get("/", params={"period": "2026-10"}).text
    live = client.get("/overview/live", params={"period": "2026-10"})
    assert live.status_code == 200 and "<html" not in live.text
    assert kpis(live.text) == kpis(page)
    assert 'data-src="/overview/live?period=2026-10"' in page and "console.js" in page


def test_filters_each_narrow_the_list(client: TestClient, data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    every = set(ticket_ids(client.get("/tickets").text))
    assert every == set(data.ids.values())
    cases = {
        "channel=sambat": {data.ids["anonim"], data.ids["answered"]},
        "instansi=DPUPR-KOTA-JAMBI": {data.ids["plain"], data.ids["september"]},
        "lapor_status=tindak_lanjut": {data.ids["answered"]},
        "lapor_status=selesai&channel=sikesal": {data.ids["september"]},
        "date_from=2026-10-06&date_to=2026-10-07": {data.ids["rahasia"], data.ids["anonim"]},
        "q=aduan+4": {data.ids["answered"]},
    }
    for state in ("late", "missed", "met", "on_time"):  # the same verdicts as the API's
        api = client.get("/api/v1/tickets", params={"sla": state},
                         headers={"X-API-Key": data.keys["oversight"]}).json()
        cases[f"sla={state}"] = {item["id"] for item in api["items"]}
    assert cases["sla=late"]
    for query, expected in cases.items():
        r = client.get(f"/tickets?{query}")
        assert r.status_code == 200, (query, r.text[:500])
        assert set(ticket_ids(r.text)) == expected, query
    # Free text only sees what the role sees: a rahasia title is not searchable by oversight.
    assert ticket_ids(client.get("/tickets?q=aduan+2").text) == []
    bad = client.get("/tickets?date_from=2026-10-09&date_to=2026-10-01")
    assert bad.status_code == 400 and "wrong way round" in bad.text


def test_an_agency_lists_only_its_own_whatever_the_form_says(client: TestClient,
                                                             data: Seeded) -> None:
    sign_in(client, data.keys["malang_dlh"])
    mine = {data.ids["anonim"], data.ids["answered"]}
    assert set(ticket_ids(client.get("/tickets").text)) == mine
    assert set(ticket_ids(client.get("/tickets?instansi=DPUPR-KOTA-JAMBI").text)) == mine


def test_keyset_pages_cover_the_list_once_in_each_order(client: TestClient, data: Seeded,
                                                        engine: Engine) -> None:
    bulk(engine, 120)
    sign_in(client, data.keys["oversight"])
    for sort in ("new", "age", "sla"):
        seen: list[int] = []
        url = f"/tickets?sort={sort}"
        while url:
            html = client.get(url).text
            seen += ticket_ids(html)
            nxt = re.search(r'rel="next" href="([^"]+)"', html)
            url = nxt[1].replace("&amp;", "&") if nxt else ""
        assert len(seen) == len(set(seen)) == 125, sort
        if sort == "new":
            assert seen == sorted(seen, reverse=True)
    cursor = re.search(r"cursor=([\w-]+)", client.get("/tickets").text)
    assert cursor
    sign_in(client, data.keys["integrator"])  # a cursor is bound to its role and query
    r = client.get(f"/tickets?cursor={cursor[1]}")
    assert r.status_code == 400 and "different query" in r.text


def test_sla_order_puts_the_latest_first(client: TestClient, data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    html = client.get("/tickets?sort=sla").text
    states = re.findall(r'class="badge s-([a-z_]+)"', html)
    assert states == sorted(states, key=lambda s: s != "late")
    # Answered and closed tickets have no clock running: they come last.
    assert set(ticket_ids(html)[-2:]) == {data.ids["september"], data.ids["answered"]}


def test_csv_export_is_the_current_filter(client: TestClient, data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    page = client.get("/tickets?channel=sambat").text
    link = re.search(r'href="(/export/tickets\.csv\?[^"]*)"', page)
    assert link and "channel=sambat" in link[1]
    r = client.get(link[1].replace("&amp;", "&"))
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {int(row["id"]) for row in rows} == {data.ids["anonim"], data.ids["answered"]}
    assert not any(p in r.text for p in PII)


def test_no_reporter_identity_leaks_into_any_page(client: TestClient, data: Seeded) -> None:
    for name in ("oversight", "integrator"):
        sign_in(client, data.keys[name])
        pages = ["/", "/tickets", "/export/tickets.csv",
                 *(f"/tickets/{i}" for i in data.ids.values())]
        for path in pages:
            text = client.get(path).text
            assert not any(p in text for p in PII), (name, path)
    sign_in(client, data.keys["jambi_dlh"])  # the owning agency reads its rahasia reporter
    own = client.get(f"/tickets/{data.ids['rahasia']}").text
    assert "Siti Rahmawati" in own and "1571********0001" in own and PII[1] not in own
    sign_in(client, data.keys["malang_dlh"])
    anon = client.get(f"/tickets/{data.ids['anonim']}").text
    assert 'data-field="reporter">\n    Anonim' in anon


def test_dates_and_zones_read_the_indonesian_way(client: TestClient, data: Seeded) -> None:
    at = datetime(2026, 12, 3, 2, 15, tzinfo=WIB)
    assert day(at.date(), "id") == "3 Des 2026" and day(at.date(), "en") == "3 Dec 2026"
    assert moment(at, "id", "WIB") == "3 Des 2026 02.15 WIB"
    assert moment(at, "id", "WITA") == "3 Des 2026 03.15 WITA"
    assert moment(at, "en", "WIT") == "3 Dec 2026 04:15 WIT"
    assert [zone_label(k) for k in ("1571", "6472", "9171", None)] == \
        ["WIB", "WITA", "WIT", "WIB"]
    sign_in(client, data.keys["oversight"])
    page = client.get(f"/tickets/{data.ids['plain']}").text
    assert '<html lang="id">' in page and "5 Okt 2026 09.00 WIB" in page
    english = client.get(f"/lang/en?back=/tickets/{data.ids['plain']}")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "5 Oct 2026 09:00 WIB" in english.text
    assert client.get("/lang/en?back=//evil.example", follow_redirects=False) \
        .headers["location"] == "/"


def test_operations_link_prefect_runs_per_channel(client: TestClient, data: Seeded,
                                                  hub: Hub) -> None:
    run = "0b7c4a52-8a0e-4d38-9a53-3f1d2a9c7e10"
    with Session(hub.engine) as session:
        session.add(AuditRow(channel="sambat", event="ticket.sent", run_id=run))
        session.commit()
    sign_in(client, data.keys["integrator"])
    page = client.get("/ops").text
    assert f'href="http://127.0.0.1:4200/runs/flow-run/{run}"' in page
    assert 'data-run="run-sikesal"' in page and 'data-run="run-sambat"' in page
    assert "/runs/flow-run/run-sikesal" not in page  # a CLI run has no page in Prefect


def test_refresh_shows_a_new_ticket_at_once(client: TestClient, data: Seeded,
                                            engine: Engine) -> None:
    sign_in(client, data.keys["oversight"])
    before = int(kpis(client.get("/overview/live?period=2026-10").text)["in"])
    assert int(kpis(client.get("/overview/live?period=2026-10").text)["in"]) == before
    bulk(engine, 1)  # the figures are kept only while the ledger is unchanged
    assert int(kpis(client.get("/overview/live?period=2026-10").text)["in"]) == before + 1


def test_ticket_page_tells_the_whole_story_under_the_role_rules(
        client: TestClient, data: Seeded, hub: Hub) -> None:
    from hub.ledger.sync_state import SyncStateRow

    plain = data.ids["plain"]
    at = datetime(2026, 10, 8, 3, 0, tzinfo=UTC)  # the ledger writes UTC
    with Session(hub.engine) as session:
        for ticket_id in (plain, data.ids["rahasia"]):  # both were reported with a place
            row = session.get(TicketRow, ticket_id)
            assert row is not None
            placed = json.loads(row.payload) | {"lat": -1.59, "lng": 103.61,
                                                 "kelurahan": "Pasar Jambi"}
            row.payload = json.dumps(placed)
            session.add(row)
        session.add(SyncStateRow(ticket_id=plain, channel="sikesal", source_id="SIKESAL-1",
                                 tracking_id="LPR00000001", instansi="DPUPR-KOTA-JAMBI",
                                 lapor_status="tindak_lanjut", channel_status="diproses",
                                 agreed="tindak_lanjut", in_agreement=True,
                                 officer_name="Budi Santoso", officer_unor="UNOR-PUPR"))
        for event, when in (("officer.assigned", at), ("officer.transferred", at),
                            ("sync.to_lapor", at + timedelta(hours=2))):
            session.add(AuditRow(ticket_id=plain, channel="sikesal", source_id="SIKESAL-1",
                                 event=event, at=when, detail='{"unor": "UNOR-PUPR"}'))
        session.commit()
    sign_in(client, data.keys["jambi_pupr"])
    page = client.get(f"/tickets/{plain}").text
    assert 'data-field="lapor-status">tindak lanjut<' in page
    assert 'data-field="channel-status">diproses<' in page
    assert "8 Okt 2026 12.00 WIB (tindak lanjut)" in page  # the last write both sides agreed on
    assert "Budi Santoso" in page and "UNOR-PUPR" in page
    assert page.count("officer.transferred") == 2  # assignment history and the audit trail
    assert page.count("sync.to_lapor") == 2  # follow-ups relayed and the audit trail
    assert 'href="geo:-1.59,103.61"' in page and "Pasar Jambi" in page
    sign_in(client, data.keys["oversight"])  # a rahasia ticket's place is not for oversight
    hidden = client.get(f"/tickets/{data.ids['rahasia']}").text
    assert 'data-field="coordinates">–<' in hidden and 'data-field="isi">[rahasia]<' in hidden
    assert "Pasar Jambi" not in hidden
    sign_in(client, data.keys["jambi_dlh"])  # ...but it is for the agency that must act
    assert 'href="geo:-1.59,103.61"' in client.get(f"/tickets/{data.ids['rahasia']}").text
