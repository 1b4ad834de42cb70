"""The operations page (integrators): quarantine by reason, the last runs of each channel.

Quarantine listing, masked detail and replay are ``hub.sync.quarantine``'s, as for the CLI and the
API; runs are read from the audit trail, where every stage of a run writes its events.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from hub.ledger.tables import AuditRow, as_utc
from hub.sync.pipeline import Hub
from hub.sync.quarantine import EntrySummary, list_entries

RUNS_PER_CHANNEL = 3
# A Prefect flow run id; other run ids (CLI runs, replays by hand) have no page in the UI.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ReasonGroup(BaseModel):
    reason: str
    entries: list[EntrySummary]


class ChannelRun(BaseModel):
    channel: str
    run_id: str
    started: datetime
    finished: datetime
    events: dict[str, int]
    prefect_url: str | None


def quarantine_groups(hub: Hub) -> list[ReasonGroup]:
    groups: dict[str, list[EntrySummary]] = {}
    for entry in list_entries(hub):
        groups.setdefault(entry.reason, []).append(entry)
    return [ReasonGroup(reason=r, entries=e)
            for r, e in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def prefect_run_url(hub: Hub, run_id: str) -> str | None:
    if not _UUID.match(run_id):
        return None
    return f"{hub.settings.console.prefect_ui_url.rstrip('/')}/runs/flow-run/{run_id}"


def last_runs(hub: Hub, per_channel: int = RUNS_PER_CHANNEL) -> list[ChannelRun]:
    grouped = sa_select(col(AuditRow.channel), col(AuditRow.run_id), col(AuditRow.event),
                        func.min(AuditRow.at), func.max(AuditRow.at), func.count()).where(
        col(AuditRow.run_id).is_not(None)).group_by(col(AuditRow.channel), col(AuditRow.run_id),
                                                    col(AuditRow.event))
    runs: dict[tuple[str, str], ChannelRun] = {}
    with Session(hub.engine) as session:
        for channel, run_id, event, first, last, count in session.connection().execute(grouped):
            key = (str(channel), str(run_id))
            run = runs.get(key)
            if run is None:
                run = runs[key] = ChannelRun(channel=key[0], run_id=key[1],
                                             started=as_utc(first), finished=as_utc(last),
                                             events={}, prefect_url=prefect_run_url(hub, key[1]))
            run.started = min(run.started, as_utc(first))
            run.finished = max(run.finished, as_utc(last))
            run.events[str(event)] = int(count)
    out: list[ChannelRun] = []
    for channel in sorted({c for c, _ in runs}):
        mine = sorted((r for r in runs.values() if r.channel == channel),
                      key=lambda r: r.finished, reverse=True)
        out += mine[:per_channel]
    return out
