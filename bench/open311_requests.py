"""Cost of ``GET /open311/v2/requests`` (default window: 90 days, at most 1,000) over a ledger.

The ledger is filled directly with ``--tickets`` sent Sikesal tickets (Kota Jambi), spread over
the last 180 days, so half are inside the default window. Each format is asked ``--rounds`` times
in process (ASGI, no network). Beside it, the raw limit measured in the same run: reading the
1,000 newest rows with the read side's own ``scan()`` and nothing else (no role, SLA, render).

    .venv/bin/python bench/open311_requests.py [--tickets 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine, insert
from sqlmodel import Session

from hub.core.models import LaporStatus, Ticket
from hub.core.settings import Settings
from hub.intake.app import create_app
from hub.ledger.tables import SendState, TicketRow
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub
from hub.view.records import scan

CHUNK = 5_000


def fill(engine: Engine, n: int) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        for start in range(1, n + 1, CHUNK):
            rows = []
            for i in range(start, min(n, start + CHUNK - 1) + 1):
                made = now - timedelta(days=180 * (n - i) / n)  # id order follows time
                t = Ticket(channel="sikesal", source_id=f"SKL-{i:07d}",
                           source_version=f"{1:020d}", judul="Sampah menumpuk",
                           isi="Sampah belum diangkut tiga hari", source_category="sampah",
                           kategori="Lingkungan Hidup dan Kehutanan", instansi="DLH-KOTA-JAMBI",
                           source_status="baru", status=LaporStatus.belum_terverifikasi,
                           dibuat=made, diperbarui=made, lat=-1.6, lng=103.6)
                rows.append({"id": i, "channel": "sikesal", "source_id": t.source_id,
                             "source_version": t.source_version, "content_hash": "",
                             "payload": t.model_dump_json(), "raw": "{}",
                             "state": SendState.sent, "tracking_id": f"LAP-{i:08d}",
                             "created_at": made, "updated_at": made, "next_attempt_at": made})
            session.execute(insert(TicketRow), rows)
        session.commit()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configure_logging(json=True, level="WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub.from_settings(Settings(database_url=f"sqlite:///{tmp}/ledger.db"))
        fill(hub.engine, args.tickets)
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            for fmt in ("json", "xml"):
                times, count = [], 0
                for _ in range(args.rounds):
                    began = time.perf_counter()
                    response = await client.get(f"/open311/v2/requests.{fmt}",
                                                params={"jurisdiction_id": "kota-jambi"})
                    times.append(time.perf_counter() - began)
                    response.raise_for_status()
                    count = response.text.count("<request>") if fmt == "xml" else len(
                        response.json())
                print(f"GET requests.{fmt}: {count} requests, median "
                      f"{statistics.median(times):.3f} s over {args.rounds} rounds")
        began = time.perf_counter()
        for _ in range(args.rounds):
            seen = sum(1 for _ in itertools.islice(scan(hub.engine, channels=["sikesal"]), 1000))
        raw = (time.perf_counter() - began) / args.rounds
        print(f"raw limit: scan() of the newest {seen} rows alone {raw:.3f} s")
        hub.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
