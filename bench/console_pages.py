"""Server time of the console's overview and tickets pages at 10,000 and 100,000 tickets.

Each page is timed once, cold (the overview's first pass over every ticket); the overview's
30 s refresh is then timed while the ledger is unchanged (best of ``--repeat``).

The ledger is filled directly (tickets of two channels and several agencies over 90 days, a
quarter closed, a few rahasia); the console runs in-process and each page is requested through
its ASGI app, signed in as oversight and as one agency. Figures only; no timing assertions.

    .venv/bin/python bench/console_pages.py [--tickets 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlmodel import Session

from hub.console.app import create_console_app
from hub.core.models import LaporStatus, Ticket
from hub.core.settings import Settings
from hub.ledger.db import init_db, make_engine
from hub.ledger.tables import SendState, TicketRow, utcnow
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, create_key

CHUNK = 5_000
NOW = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
AGENCIES = [("sikesal", "DPUPR-KOTA-JAMBI"), ("sikesal", "DLH-KOTA-JAMBI"),
            ("sambat", "DLH-KOTA-MALANG"), ("sambat", "DPUPR-KOTA-MALANG")]


def _ticket(i: int) -> str:
    channel, instansi = AGENCIES[i % len(AGENCIES)]
    made = NOW - timedelta(minutes=13 * (i % 10_000) + i // 10_000)
    status = LaporStatus.selesai if i % 4 == 0 else LaporStatus.belum_terverifikasi
    return Ticket(channel=channel, source_id=f"B-{i}", source_version="1", judul=f"Aduan {i}",
                  isi="Jalan berlubang", source_category="jalan", kategori="Infrastruktur",
                  instansi=instansi, source_status="baru", status=status,
                  sla_class="biasa" if channel == "sikesal" else None, dibuat=made,
                  diperbarui=made + timedelta(hours=30), rahasia=i % 50 == 0).model_dump_json()


def fill(engine: Engine, n: int) -> None:
    now = utcnow()
    with Session(engine) as session:
        for start in range(1, n + 1, CHUNK):
            ids = range(start, min(n, start + CHUNK - 1) + 1)
            session.execute(insert(TicketRow), [
                {"id": i, "channel": AGENCIES[i % len(AGENCIES)][0], "source_id": f"B-{i}",
                 "source_version": "1", "content_hash": "", "payload": _ticket(i), "raw": "{}",
                 "state": SendState.sent, "tracking_id": f"LPR{i:08d}", "next_attempt_at": now,
                 "created_at": now, "updated_at": now, "sent_at": now} for i in ids])
            session.commit()


def timed(client: TestClient, url: str, repeat: int = 1,
          headers: dict[str, str] | None = None) -> tuple[float, Any]:
    best, response = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        best = min(best, time.perf_counter() - started)
    return best, response


def show(who: str, name: str, seconds: float, response: Any) -> None:
    print(f"  {who:<24} {name:<36} {seconds * 1000:9.1f} ms  (HTTP {response.status_code})")


def _next(client: TestClient, url: str) -> str:
    found = re.search(r'rel="next" href="([^"]+)"', client.get(url).text)
    assert found, url
    return found[1].replace("&amp;", "&")


def sign_in(client: TestClient, key: str) -> None:
    client.cookies.clear()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"key": key, "csrf": token[1]})


def run(n: int, repeat: int, workdir: Path) -> None:
    url = f"sqlite:///{workdir}/console-{n}.db"
    engine = make_engine(url)
    init_db(engine)
    started = time.perf_counter()
    fill(engine, n)
    print(f"\n{n:,} tickets (filled in {time.perf_counter() - started:.1f} s)")
    hub = Hub.from_settings(Settings(database_url=url), engine=engine)
    keys = {"oversight": create_key(engine, Role.parse("oversight")),
            "agency DLH-KOTA-MALANG": create_key(engine, Role.parse("agency:DLH-KOTA-MALANG"))}
    with TestClient(create_console_app(hub, clock=lambda: NOW)) as client:
        for who, key in keys.items():
            sign_in(client, key)
            show(who, "overview (2026-11), cold", *timed(client, "/?period=2026-11"))
            # What each 30 s refresh costs while nothing changed: the kept figures.
            show(who, "overview refresh, unchanged",
                 *timed(client, "/overview/live?period=2026-11", repeat))
            # The floor: the API's own pass over the same tickets for the same figures.
            show(who, "GET /api/v1/sla (same pass, API)",
                 *timed(client, "/api/v1/sla?period=2026-11", headers={"X-API-Key": key}))
            show(who, "tickets, newest", *timed(client, "/tickets", repeat))
            show(who, "tickets, next page", *timed(client, _next(client, "/tickets"), repeat))
            show(who, "tickets, sambat + late", *timed(client, "/tickets?channel=sambat&sla=late"))
            seconds, first = timed(client, "/tickets?sort=sla")
            show(who, "tickets by SLA time left, cold", seconds, first)
            show(who, "tickets by SLA time left, next page",
                 *timed(client, _next(client, "/tickets?sort=sla"), repeat))
            show(who, "ticket page", *timed(client, f"/tickets/{n // 2 - n // 2 % 4 + 2}", repeat))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure_logging(json=True, level="WARNING")
    print("console server time per page (best of", args.repeat, "in-process requests, SQLite)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.tickets:
            run(n, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
