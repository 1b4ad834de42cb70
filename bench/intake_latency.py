"""112 latency: event received by the intake → report stored in SP4N-LAPOR!, two ways.

1. **event path**: intake → Prefect event → deployment trigger → worker → flow run (pull, push);
2. **fast path**: ``python -m hub.intake.run --fast-path``: intake → pull + push in-process.

Both use the same ledger guarantees (claims, lookups). Received = ``inbound_event.received_at``
(the intake stored it); stored in LAPOR! = the ``ticket.sent`` audit row, written once LAPOR!
answered. Prints p50/p99 and, from the same run, the raw limits: the intake's own accept rate
and plain POSTs to the LAPOR! simulator.

    .venv/bin/python bench/intake_latency.py --events 1000            # a burst
    .venv/bin/python bench/intake_latency.py --rate 50 --duration 60  # steady callers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport
from raw_limit import bare_lapor_posts
from sqlmodel import Session, col, select

from hub.ledger.db import make_engine
from hub.ledger.tables import AuditRow, InboundEventRow, as_utc
from hub.service.serve import Stack, StackConfig
from simulators.lapor import DEFAULT_TOKEN
from simulators.process import simulators_process

TOKEN = "bench-112-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(i: int, run: str) -> dict[str, Any]:
    return {"id_panggilan": f"112-{run}-{i:06d}", "versi": 1, "kelas": "pengaduan",
            "kategori": "jalan_rusak", "judul": "Jalan rusak",
            "uraian": "Penelepon melaporkan jalan berlubang.", "lokasi": "Jl. Juanda",
            "waktu": "2026-11-20T08:00:00+08:00", "penelepon": {"telepon": "081234567890"}}


async def _fire(intake_url: str, n: int, run: str, concurrency: int,
                rate: float | None = None) -> float:
    """POST n events, as fast as they are taken or at a steady ``rate`` per second; returns the
    accept rate (events/s) the intake sustained."""
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=AiohttpTransport(), headers=headers,
                                 timeout=30) as client:
        start = time.perf_counter()

        async def one(i: int) -> None:
            if rate:  # a caller every 1/rate s, whatever the intake is doing
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            async with gate:
                r = await client.post(f"{intake_url}/events/call112", json=_call(i, run))
                r.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)


def _latencies(db_url: str, n: int, timeout_s: float) -> list[float]:
    engine = make_engine(db_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            with Session(engine) as session:
                # event_id is "<id>@<version>"; the ticket's source id is the part before "@".
                received = {e.split("@")[0]: as_utc(t).timestamp() for e, t in session.exec(
                    select(InboundEventRow.event_id, InboundEventRow.received_at))}
                sent = {s: as_utc(t).timestamp() for s, t in session.exec(
                    select(AuditRow.source_id, AuditRow.at).where(
                        col(AuditRow.event).in_(["ticket.sent", "ticket.recovered"])))}
            if len(sent) >= n or time.monotonic() > deadline:
                return [sent[e] - t for e, t in received.items() if e in sent]
            time.sleep(0.5)
    finally:
        engine.dispose()


def _flow_run_phases(api_url: str) -> dict[str, Any]:
    """Where an event-path run spends its time, from Prefect's own records of the flow runs:
    created by the trigger → running (queue, worker poll, a fresh Python process, imports) →
    finished (the sync itself)."""
    runs = httpx.post(f"{api_url}/flow_runs/filter", json={"limit": 200}, timeout=30).json()

    def seconds(a: str | None, b: str | None) -> float | None:
        if not a or not b:
            return None
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()

    starting = [d for r in runs if (d := seconds(r["created"], r["start_time"])) is not None]
    running = [d for r in runs if (d := seconds(r["start_time"], r["end_time"])) is not None]
    return {"flow_runs": len(runs),
            "p50_created_to_running_s": round(statistics.median(starting), 3) if starting else None,
            "p50_run_s": round(statistics.median(running), 3) if running else None}


def _measure(mode: str, lapor_url: str, n: int, workdir: Path, concurrency: int,
             lapor_per_s: float, rate: float | None) -> dict[str, Any]:
    db_url = f"sqlite:///{workdir / f'ledger-{mode}.db'}"
    env = {"LAPOR_HUB_DATABASE_URL": db_url, "LAPOR_HUB_LAPOR__BASE_URL": lapor_url,
           "LAPOR_HUB_LAPOR__TOKEN": DEFAULT_TOKEN, "LAPOR_HUB_INTAKE__TOKENS__CALL112": TOKEN,
           "LAPOR_HUB_LOG_LEVEL": "WARNING",
           # The shared LAPOR! rate limit (a Prefect limit) applies on the event path only.
           "LAPOR_HUB_LIMITS_LAPOR_PER_S": str(lapor_per_s)}
    config = StackConfig(prefect_port=free_port(), intake_port=free_port(),
                         prefect_db_url=f"sqlite+aiosqlite:///{workdir / 'prefect.db'}",
                         fast_path=mode == "fast", env=env, log_dir=workdir / f"logs-{mode}",
                         deployments=["sync-call112"], worker_poll_s=1.0)
    stack = Stack(config)
    try:
        if mode == "fast":
            stack.env.pop("PREFECT_API_URL")  # no Prefect at all on this path
        else:
            stack.start_server()
            stack.prepare()
            stack.start_worker(1)
        stack.start_intake()
        accept = asyncio.run(_fire(config.intake_url, n, mode.upper(), concurrency, rate))
        lat = _latencies(db_url, n, timeout_s=600)
        phases = _flow_run_phases(config.api_url) if mode == "event" else {}
    finally:
        stack.stop()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else lat * 99
    return {"mode": mode, "events": n, "rate_per_s": rate, "reports": len(lat),
            "p50_s": round(q[49], 3),
            "p99_s": round(q[98], 3), "max_s": round(max(lat), 3),
            "intake_accept_per_s": round(accept, 1), **phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--lapor-per-s", type=float, default=1000.0,
                        help="LAPOR! rate limit for the event path (production: the agreed one)")
    parser.add_argument("--rate", type=float, default=None,
                        help="events per second, steady (default: a burst, as fast as taken)")
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds to keep --rate up (sets --events to rate x duration)")
    parser.add_argument("--modes", default="fast,event", help="fast, event or both")
    args = parser.parse_args()
    if args.rate and args.duration:
        args.events = int(args.rate * args.duration)
    with tempfile.TemporaryDirectory() as tmp, simulators_process(
            seed=1, n=0, only=["lapor"], ports={"lapor": free_port()}) as urls:
        lapor_url = urls["lapor"]
        rows = [_measure(mode, lapor_url, args.events, Path(tmp), args.concurrency,
                         args.lapor_per_s, args.rate) for mode in args.modes.split(",")]
        raw = asyncio.run(bare_lapor_posts(lapor_url, DEFAULT_TOKEN, 2000,
                                           args.concurrency))
    for row in rows:
        row["bare_client_posts_per_s"] = round(raw, 1)
        row["lapor_limit_per_s"] = args.lapor_per_s if row["mode"] == "event" else None
        print(json.dumps(row))


if __name__ == "__main__":
    main()
