"""One ticket that cannot be computed never fails the read side; out-of-range input is a 400."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.api.csvout import ERROR_MARK, csv_response
from hub.core.settings import Settings
from hub.ledger.ingest import Mapped, ingest_page
from hub.reminders.due import find_due
from hub.report.figures import compute
from hub.sla.rules import default_rules
from hub.sync.pipeline import Hub
from hub.view.period import PeriodError, parse_period
from tests.hub.viewdata import NOW, Seeded, make, seed

EXTREME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))


@pytest.fixture
def api(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, Seeded, Hub]]:
    hub = Hub.from_settings(Settings(database_url=db_url), engine=engine)
    data = seed(engine)
    bad = make(99, "sikesal", "DPUPR-KOTA-JAMBI", EXTREME)
    ingest_page(engine, "sikesal", [Mapped(bad, {"id": bad.source_id})], [],
                resume_token=None, run_id="run-bad")
    with TestClient(create_app(hub, clock=lambda: NOW), raise_server_exceptions=False) as c:
        yield c, data, hub


def _get(client: TestClient, key: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"X-API-Key": key})


def test_a_ticket_with_an_extreme_date_is_listed_with_an_error_marker(api: Any) -> None:
    client, d, _ = api
    for role in ("oversight", "integrator", "jambi_pupr"):
        page = _get(client, d.keys[role], "/api/v1/tickets")
        assert page.status_code == 200, (role, page.text)
        states = {i["source_id"]: i["sla_state"] for i in page.json()["items"]}
        assert states["SIKESAL-99"] == "error"
        assert any(s != "error" for s in states.values())
    assert _get(client, d.keys["oversight"], "/api/v1/sla").status_code == 200
    detail = _get(client, d.keys["oversight"], "/api/v1/tickets",
                  channel="sikesal", limit=500).json()["items"]
    bad = next(i for i in detail if i["source_id"] == "SIKESAL-99")
    one = _get(client, d.keys["oversight"], f"/api/v1/tickets/{bad['id']}")
    assert one.status_code == 200 and one.json()["sla"]["error"]


def test_the_csv_export_is_complete_despite_the_bad_row(api: Any) -> None:
    client, d, _ = api
    listed = _get(client, d.keys["oversight"], "/api/v1/tickets", limit=500).json()["count"]
    exported = _get(client, d.keys["oversight"], "/api/v1/tickets", format="csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == listed and not exported.text.startswith(ERROR_MARK)
    assert ERROR_MARK not in exported.text


def test_report_and_reminders_survive_the_bad_row(api: Any) -> None:
    _, _, hub = api
    assert compute(hub.engine, "2026-10", now=NOW).reports >= 1
    assert list(find_due(hub.engine, default_rules(), NOW))


def test_a_csv_export_that_fails_part_way_says_so_in_its_last_line() -> None:
    class Row(BaseModel):
        n: int

    def rows() -> Iterator[Row]:
        yield Row(n=1)
        yield Row(n=2)
        raise RuntimeError("the ledger went away")

    app = FastAPI()
    app.get("/x")(lambda: csv_response(Row, rows(), "x.csv"))
    with TestClient(app) as client:
        body = client.get("/x").text.strip().splitlines()
    assert body[:3] == ["n", "1", "2"] and body[-1].startswith(ERROR_MARK)
    assert "incomplete" in body[-1]


@pytest.mark.parametrize("ticket_id", [2**63, 2**63 + 1, 10**30, 0])
def test_ticket_ids_out_of_range_are_400(api: Any, ticket_id: int) -> None:
    client, d, _ = api
    r = _get(client, d.keys["oversight"], f"/api/v1/tickets/{ticket_id}")
    assert r.status_code == 400


@pytest.mark.parametrize("position", [2**63, 10**40, -1, 0])
def test_cursor_positions_out_of_range_are_400(api: Any, position: int) -> None:
    client, d, _ = api
    forged = json.dumps({"v": 1, "b": position, "q": "x"}).encode()
    cursor = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    assert _get(client, d.keys["oversight"], "/api/v1/tickets", cursor=cursor).status_code == 400


@pytest.mark.parametrize("period", ["0000-01", "1999-12", "9999-12", "0001-01-01..2026-01-01"])
def test_periods_out_of_range_are_400_and_a_clean_error(api: Any, period: str) -> None:
    client, d, _ = api
    assert _get(client, d.keys["oversight"], "/api/v1/tickets", period=period).status_code == 400
    with pytest.raises(PeriodError):
        parse_period(period)
