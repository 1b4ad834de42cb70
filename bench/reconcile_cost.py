"""Cost of a reconcile round over 100,000 synced tickets with 0, 100 and 10,000 changes.

The ledger is filled directly (100,000 sent tickets with their sync state, in agreement); LAPOR!
and Sikesal simulators run in their own process and are seeded with the same 100,000 reports
and rows. Each round moves ``n`` reports in LAPOR! to ``tindak_lanjut`` (the agency followed up),
then times one reconcile round (no channel pulls, no SIASN), which must carry each change to
Sikesal through its answer script. Beside it,
the raw limit measured in the same run: reading the same feed pages with the hub's client alone.

    .venv/bin/python bench/reconcile_cost.py [--tickets 100000] [--database-url sqlite:///...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, insert
from sqlmodel import Session

from hub.core.clients import lapor_client
from hub.core.settings import LaporSystem, Settings, SikesalSystem
from hub.ledger.db import init_db, make_engine
from hub.ledger.sync_state import LAPOR_CHANGES_CURSOR, SyncStateRow
from hub.ledger.tables import CursorRow, SendState, TicketRow, utcnow
from hub.privacy.logging import configure_logging
from hub.reconcile.round import reconcile
from hub.sync.pipeline import Hub
from simulators import lapor, sikesal
from simulators.process import root_of, simulators_process

PORTS = {"lapor": 18701, "sikesal": 18711}
CHUNK = 10_000


def fill_ledger(engine: Engine, n: int) -> None:
    """``n`` tickets sent to LAPOR! and in agreement: LAPOR! belum_terverifikasi, Sikesal baru."""
    now = utcnow()
    payload = json.dumps({"instansi": "DPUPR-KOTA-JAMBI", "source_status": "baru"})
    with Session(engine) as session:
        for start in range(1, n + 1, CHUNK):
            ids = range(start, min(n, start + CHUNK - 1) + 1)
            session.execute(insert(TicketRow), [
                {"id": i, "channel": "sikesal", "source_id": str(i),
                 "source_version": f"{1:020d}", "content_hash": "", "payload": payload,
                 "raw": "{}", "state": SendState.sent, "tracking_id": f"LPR{i:08d}",
                 "next_attempt_at": now, "created_at": now, "updated_at": now, "sent_at": now}
                for i in ids])
            session.execute(insert(SyncStateRow), [
                {"ticket_id": i, "channel": "sikesal", "source_id": str(i),
                 "tracking_id": f"LPR{i:08d}", "instansi": "DPUPR-KOTA-JAMBI",
                 "lapor_status": "belum_terverifikasi", "channel_status": "baru",
                 "channel_version": f"{1:020d}", "agreed": "belum_terverifikasi",
                 "lapor_done_for": "belum_terverifikasi", "channel_done_for": "belum_terverifikasi",
                 "seen_lapor": "[]", "seen_channel": "[]", "out_lapor": "[]",
                 "out_channel": "[]", "officer_state": "unmapped", "in_agreement": True,
                 "updated_at": now} for i in ids])
        # LAPOR!'s feed already holds one creation change per report: the hub has read them.
        session.add(CursorRow(channel=LAPOR_CHANGES_CURSOR, resume_token=f"{n:012d}"))
        session.commit()


async def raw_feed_read(hub: Hub, since: str) -> tuple[float, int]:
    """The limit: the same feed pages read with the hub's client, nothing else done."""
    start, read = time.perf_counter(), 0
    async with lapor_client(hub.settings) as client:
        cursor: str | None = since
        while True:
            page = await client.changes(since=cursor, limit=500)
            if not page.data:
                return time.perf_counter() - start, read
            read += len(page.data)
            cursor = page.next_cursor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--changes", type=int, nargs="+", default=[0, 100, 10_000])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    configure_logging(json=True, level="WARNING")
    with tempfile.TemporaryDirectory() as tmp, \
            simulators_process(seed=1, n=0, only=["lapor", "sikesal"], ports=PORTS) as urls:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'ledger.db'}"
        for name in ("lapor", "sikesal"):
            httpx.post(f"{root_of(urls[name])}/_sim/seed", json={"n": args.tickets, "seed": 1},
                       timeout=600).raise_for_status()
        engine = make_engine(url)
        init_db(engine)
        started = time.perf_counter()
        fill_ledger(engine, args.tickets)
        print(f"ledger: {args.tickets} synced tickets inserted in "
              f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        settings = Settings(
            database_url=url,
            lapor=LaporSystem(base_url=urls["lapor"], token=SecretStr(lapor.DEFAULT_TOKEN)),
            sikesal=SikesalSystem(base_url=urls["sikesal"],
                                  token=SecretStr(sikesal.DEFAULT_TOKEN)))
        hub = Hub.from_settings(settings, engine=engine)
        feed_at = args.tickets
        for n in args.changes:
            # The agency follows up in LAPOR!: Sikesal's row gets the answer (``tanggapan``).
            httpx.post(f"{root_of(urls['lapor'])}/_sim/advance",
                       json={"n": n, "to": "tindak_lanjut"}, timeout=600).raise_for_status()
            raw_s, raw_n = asyncio.run(raw_feed_read(hub, f"{feed_at:012d}"))
            started = time.perf_counter()
            summary = asyncio.run(reconcile(hub, pull_channels=False, officers=False))
            took = time.perf_counter() - started
            feed_at += summary.lapor_changes
            per = f"{took / n * 1000:.2f} ms/change" if n else "-"
            print(f"{n:>6} changes: round {took:7.3f} s ({per}); wrote {summary.to_channel} to "
                  f"Sikesal, {summary.to_lapor} to LAPOR!; raw feed read of {raw_n} changes "
                  f"{raw_s:.3f} s")


if __name__ == "__main__":
    main()
