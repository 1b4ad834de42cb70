"""End-to-end sync throughput: N seeded tickets (Sikesal, or all pulled channels) → SIAK →
ledger → SP4N-LAPOR!.

Simulators run in their own process (uvloop + httptools) so this measures the hub. Prints
tickets/s, p50/p99 time per ticket (stored in the ledger → sent), peak memory of the hub process,
and, from the same run, the limits: a bare aiohttp client with no hub code, and the hub's LAPOR!
connector alone, both POSTing to the same simulator process.

    .venv/bin/python bench/sync_throughput.py --tickets 10000
    .venv/bin/python bench/sync_throughput.py --tickets 100000 --channels all
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from crash_support import hub_env
from profile_stages import profiled
from raw_limit import bare_lapor_posts, connector_lapor_posts
from sqlmodel import Session, select

from hub.core.settings import Settings
from hub.ledger.tables import AuditRow, as_utc
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub
from hub.sync.processes import sync_in_processes
from simulators.process import root_of, simulators_process

PULLED = ["sikesal", "laksa", "sambat", "simtramtibum"]


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _latencies(hub: Hub) -> list[float]:
    with Session(hub.engine) as session:
        events = session.exec(select(AuditRow.ticket_id, AuditRow.event, AuditRow.at).where(
            AuditRow.event.in_(["ticket.ingested", "ticket.sent"])))  # type: ignore[attr-defined]
        stored: dict[int | None, float] = {}
        sent: dict[int | None, float] = {}
        for ticket_id, event, at in events:
            (stored if event == "ticket.ingested" else sent)[ticket_id] = as_utc(at).timestamp()
    return [sent[t] - stored[t] for t in sent if t in stored]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--transport", choices=["aiohttp", "httpx"], default="aiohttp")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--channels", default="sikesal",
                        help="comma-separated pulled channels, or all (tickets split evenly)")
    parser.add_argument("--processes", type=int, default=1,
                        help="processes sending (lapor-hub sync --no-prefect --processes N)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the sync (pyinstrument); print where the time goes, per stage")
    args = parser.parse_args()
    configure_logging(json=True, level="WARNING")
    channels = PULLED if args.channels == "all" else args.channels.split(",")
    ports = {"lapor": 18701, "dukcapil": 18721,
             **{name: 18711 + i for i, name in enumerate(channels)}}
    per_channel = args.tickets // len(channels)
    with tempfile.TemporaryDirectory() as tmp, simulators_process(
            seed=1, n=per_channel, only=list(ports), ports=ports) as urls:
        db = args.database_url or f"sqlite:///{Path(tmp) / 'ledger.db'}"
        # The sandbox's credentials and URLs, as `make demo` and the tests set them.
        os.environ.update(hub_env(urls, db))
        common = {"timeout_s": 30.0, "concurrency": args.concurrency, "transport": args.transport}
        settings = Settings(database_url=db, page_size=500, push_batch_size=args.batch,
                            push_concurrency=args.concurrency, mappings_dir=Path(tmp),
                            retry_base_s=1.0, retry_max_s=5.0)
        settings = settings.model_copy(update={
            name: getattr(settings, name).model_copy(update=common)
            for name in ("lapor", "dukcapil", *channels)})
        # Only these channels' simulators are started, so only their mappings (and the
        # deployment's LAPOR! topic table every mapping names its topics by).
        for name in [*channels, "lapor_topics"]:
            (Path(tmp) / f"{name}.yaml").write_text(
                (Path(__file__).parent.parent / "mappings" / f"{name}.yaml").read_text())
        hub = Hub.from_settings(settings)
        start, cpu_start, helpers_start = time.perf_counter(), time.process_time(), _children_cpu()
        with profiled(args.profile):
            summary = asyncio.run(sync_in_processes(
                hub, channels, args.processes, uuid.uuid4().hex, level="WARNING"))
        elapsed = time.perf_counter() - start
        # The push helpers have ended by now; the simulators' process (also a child) has not.
        hub_cpu = time.process_time() - cpu_start + _children_cpu() - helpers_start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sent = sum(c.sent for c in summary.channels.values())
        reports = httpx.get(f"{root_of(urls['lapor'])}/_sim/state", timeout=60).json()["count"]
        latencies = _latencies(hub)
        n_raw = min(args.tickets, 5000)
        connector = asyncio.run(connector_lapor_posts(settings, n_raw, args.concurrency))
        bare = asyncio.run(bare_lapor_posts(urls["lapor"], "sandbox-lapor-token", n_raw,
                                            args.concurrency))
    figures = {
        "tickets": args.tickets, "sent": sent, "lapor_reports": reports,
        "elapsed_s": round(elapsed, 2), "tickets_per_s": round(sent / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 1),
        "peak_rss_mb": round(peak_mb, 1),
        # CPU of the hub process alone: near elapsed_s means the hub, not the wire, is the limit.
        "hub_cpu_s": round(hub_cpu, 2),
        "hub_cpu_ms_per_ticket": round(hub_cpu * 1000 / max(sent, 1), 2),
        "transport": args.transport, "processes": args.processes,
        "concurrency": args.concurrency,
        "bare_client_posts_per_s": round(bare, 1),
        "hub_connector_posts_per_s": round(connector, 1),
        "ratio_hub_to_bare": round(sent / elapsed / bare, 3),
        "ratio_connector_to_bare": round(connector / bare, 3),
    }
    figures["channels"] = {name: c.model_dump() for name, c in summary.channels.items()}
    figures["helpers_sent"] = summary.helpers_sent
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
