"""What one sync run did, per channel: the counts every caller shows (CLI table, Prefect
artifact, console) and the one-line description of a failure."""

from __future__ import annotations

from pydantic import BaseModel

from connectors.errors import ConnectorError
from hub.sync.adopt import AdoptCounts
from hub.sync.pull import PullResult
from hub.sync.push import PushCounts


class ChannelSummary(BaseModel):
    channel: str
    pulled: int = 0
    new: int = 0
    updated: int = 0
    quarantined: int = 0
    skipped: int = 0
    sent: int = 0
    recovered: int = 0
    retried: int = 0
    push_quarantined: int = 0
    # Channels the city files in LAPOR! itself (hub/sync/adopt.py): found, waiting, doubtful.
    adopted: int = 0
    awaiting_city: int = 0
    doubtful: int = 0
    not_found: int = 0
    unrouted: int = 0  # sent (or recovered) without instansi_tujuan: LAPOR!'s admins route them
    error: str | None = None


class SyncSummary(BaseModel):
    run_id: str
    channels: dict[str, ChannelSummary]
    push_error: str | None = None  # LAPOR! refused the hub itself (e.g. its token): nothing sent
    # Tickets sent by each push helper process (``sync --processes N``), beside this process.
    helpers_sent: list[int] = []

    @property
    def errors(self) -> dict[str, str]:
        failed = {name: c.error for name, c in self.channels.items() if c.error}
        return failed | ({"lapor": self.push_error} if self.push_error else {})


def summarize(run_id: str, channels: list[str], pulls: dict[str, PullResult | BaseException],
              push: dict[str, PushCounts], push_error: str | None = None,
              adopted: dict[str, AdoptCounts] | None = None) -> SyncSummary:
    out: dict[str, ChannelSummary] = {}
    for name in channels:
        result = pulls.get(name)
        summary = ChannelSummary(channel=name)
        if isinstance(result, PullResult):
            summary.pulled, summary.new = result.records, result.stored.new
            summary.updated, summary.quarantined = result.stored.updated, result.stored.quarantined
            summary.skipped = result.stored.skipped
        elif isinstance(result, BaseException):
            summary.error = describe(result)
        pushed = push.get(name, PushCounts())
        summary.sent, summary.recovered = pushed.sent, pushed.recovered
        summary.retried, summary.push_quarantined = pushed.retried, pushed.quarantined
        found = (adopted or {}).get(name, AdoptCounts())
        summary.adopted, summary.awaiting_city = found.adopted, found.awaiting_city
        summary.doubtful, summary.not_found = found.doubtful, found.not_found
        summary.retried += found.retried
        summary.unrouted = pushed.unrouted
        out[name] = summary
    return SyncSummary(run_id=run_id, channels=out, push_error=push_error)


def describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectorError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
