"""``GET /metrics`` in Prometheus text format, for the read API (``lapor-hub api``).

Per channel: when its last pull completed, tickets by send state, the backlog (waiting or in
flight to LAPOR!), what is unsent, open quarantine, and this month's SLA states. Read from the
ledger at each scrape (a few grouped queries), so any number of workers share one truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import Session, select

from hub.ledger.queries import ledger_status
from hub.ledger.tables import CursorRow, as_utc
from hub.report.figures import compute
from hub.sync.pipeline import Hub

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LedgerCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        engine = self.hub.engine
        rows = ledger_status(engine)
        last = GaugeMetricFamily("lapor_hub_channel_last_success_timestamp_seconds",
                                 "When the channel's last complete pull ended (Unix time)",
                                 labels=["channel"])
        with Session(engine) as session:
            for cursor in session.exec(select(CursorRow)):
                if ":" not in cursor.channel and cursor.watermark and not cursor.in_progress:
                    last.add_metric([cursor.channel], as_utc(cursor.updated_at).timestamp())
        yield last
        tickets = GaugeMetricFamily("lapor_hub_tickets", "Tickets in the ledger by send state",
                                    labels=["channel", "state"])
        backlog = GaugeMetricFamily("lapor_hub_backlog_tickets",
                                    "Tickets waiting for or in flight to SP4N-LAPOR!",
                                    labels=["channel"])
        unsent = GaugeMetricFamily("lapor_hub_unsent_tickets",
                                   "Tickets not (yet) in SP4N-LAPOR!: pending, sending, "
                                   "quarantined", labels=["channel"])
        quarantine = GaugeMetricFamily("lapor_hub_quarantine_open",
                                       "Open quarantine entries", labels=["channel"])
        for row in rows:
            for state, n in row.states.items():
                tickets.add_metric([row.channel, state], n)
            waiting = row.states.get("pending", 0) + row.states.get("sending", 0)
            backlog.add_metric([row.channel], waiting)
            unsent.add_metric([row.channel], waiting + row.states.get("quarantined", 0))
            quarantine.add_metric([row.channel], sum(row.quarantine_open.values()))
        yield from (tickets, backlog, unsent, quarantine)
        sla = GaugeMetricFamily("lapor_hub_sla_tickets",
                                "This month's tickets by SLA state (on_time, at_risk, late)",
                                labels=["channel", "state"])
        figures = compute(engine, datetime.now(UTC).strftime("%Y-%m"))
        for group in figures.sla_by_channel:
            for state in ("on_time", "at_risk", "late"):
                sla.add_metric([group.group, state], getattr(group, state))
        yield sla


def render_metrics(hub: Hub) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(hub))
    return generate_latest(registry)


def add_metrics(app: FastAPI, hub: Hub) -> FastAPI:
    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(render_metrics(hub), media_type=CONTENT_TYPE)

    return app
