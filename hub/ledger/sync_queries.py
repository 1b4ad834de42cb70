"""Read-only views of the two-way sync for ``lapor-hub status`` and the demo summary."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.ledger.sync_state import SyncIssueRow, SyncStateRow


class SyncChannelStatus(BaseModel):
    channel: str
    tickets: int
    agree: int
    # "LAPOR! status / channel status" → tickets, e.g. {"selesai / selesai": 12}
    pairs: dict[str, int]
    officers: dict[str, int]


class SyncStatus(BaseModel):
    channels: list[SyncChannelStatus]
    # Open issues (input refused, with a reason) by "side: reason".
    issues: dict[str, int]


def sync_status(engine: Engine) -> SyncStatus:
    out: dict[str, SyncChannelStatus] = {}
    with Session(engine) as session:
        # Five columns: beyond sqlmodel's typed select, so SQLAlchemy's own.
        for channel, lapor, chan, agree, count in session.execute(
            sa_select(col(SyncStateRow.channel), col(SyncStateRow.lapor_status),
                      col(SyncStateRow.channel_status), col(SyncStateRow.in_agreement),
                      func.count())
            .group_by(col(SyncStateRow.channel), col(SyncStateRow.lapor_status),
                      col(SyncStateRow.channel_status), col(SyncStateRow.in_agreement))
        ):
            row = out.setdefault(channel, SyncChannelStatus(channel=channel, tickets=0, agree=0,
                                                            pairs={}, officers={}))
            row.tickets += count
            row.agree += count if agree else 0
            key = f"{lapor or '-'} / {chan or '-'}"
            row.pairs[key] = row.pairs.get(key, 0) + count
        for channel, state, count in session.exec(
            select(SyncStateRow.channel, SyncStateRow.officer_state, func.count())
            .group_by(SyncStateRow.channel, SyncStateRow.officer_state)
        ):
            if channel in out:
                out[channel].officers[state] = count
        issues = {f"{side}: {reason}": int(total or 0) for side, reason, total in session.exec(
            select(SyncIssueRow.side, SyncIssueRow.reason, func.count())
            .where(col(SyncIssueRow.resolved_at).is_(None))
            .group_by(SyncIssueRow.side, SyncIssueRow.reason))}
    return SyncStatus(channels=[out[c] for c in sorted(out)], issues=issues)
