"""The reconcile round as plain async functions: LAPOR! ⇄ channels, without echo loops.

A round: (optionally) pull the channels; find tickets sent or changed in a channel since the
last round (audit cursor); read LAPOR!'s change feed from its cursor, page by page; for every
ticket touched, decide with ``hub.reconcile.policy`` and write to the side that is behind; commit
states, audit rows and the feed cursor page by page. Work grows with the number of changes: every
lookup is by tracking id, ticket id or an indexed flag, never a scan of all tickets.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import structlog
from sqlmodel import Session, col, select

from connectors.errors import AmbiguousWriteError, ConnectorError
from connectors.lapor_api import LaporApi, LaporChange
from hub.core.clients import lapor_client
from hub.ledger.sync_io import (
    add_issue,
    audit,
    dirty_ids,
    discover,
    save_audit_cursor,
    states_for_tracking,
)
from hub.ledger.sync_state import LAPOR_CHANGES_CURSOR, SyncStateRow
from hub.ledger.tables import CursorRow, TicketRow, utcnow
from hub.privacy.logging import safe_message
from hub.reconcile.plan import (
    ChannelObs,
    LaporObs,
    Plan,
    agreement,
    channel_written,
    lapor_written,
    plan_ticket,
)
from hub.reconcile.summary import ReconcileSummary
from hub.reconcile.writeback import ChannelWriter, WriteContext, can_write, follow_ups, open_writer
from hub.sync.pipeline import Hub, pull
from hub.sync.summary import describe

log = structlog.get_logger(__name__)
FEED_PAGE = 500
BATCH = 500




class _Sides:
    """The LAPOR! client and each channel's writer, opened on first use, closed together."""

    def __init__(self, hub: Hub, stack: AsyncExitStack, lapor: LaporApi) -> None:
        self.hub, self.stack, self.lapor = hub, stack, lapor
        self._writers: dict[str, ChannelWriter] = {}
        self._lock = asyncio.Lock()

    async def writer(self, channel: str) -> ChannelWriter:
        async with self._lock:
            if channel not in self._writers:
                self._writers[channel] = await self.stack.enter_async_context(
                    open_writer(channel, self.hub.settings, self.hub.transports))
            return self._writers[channel]


async def reconcile(hub: Hub, channels: list[str] | None = None, run_id: str | None = None, *,
                    pull_channels: bool = True, officers: bool = True) -> ReconcileSummary:
    """One round. ``channels`` limits the pulls; LAPOR!'s feed is always read whole."""
    names = hub.check_channels(channels)
    summary = ReconcileSummary(run_id=run_id or uuid.uuid4().hex)
    if pull_channels:
        results = await asyncio.gather(*(pull(hub, n, summary.run_id) for n in names),
                                       return_exceptions=True)
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            if isinstance(result, Exception):
                summary.errors[name] = describe(result)
                log.warning("reconcile.pull_failed", channel=name, error=describe(result))
    found = discover(hub.engine, hub.mappings)
    summary.new_states = found.created
    pending = found.ticket_ids | dirty_ids(hub.engine, limit=100_000)
    async with AsyncExitStack() as stack:
        lapor = await stack.enter_async_context(lapor_client(hub.settings, hub.transports))
        sides = _Sides(hub, stack, lapor)
        if officers:
            from hub.reconcile.officers import assign_officers

            pending |= await assign_officers(hub, summary)
        caps = lapor.capabilities
        for able, what in ((caps.change_feed, "change feed: LAPOR!'s statuses are not read"),
                           (caps.follow_up, "follow-up: channel answers are not sent")):
            if not able:
                summary.unavailable.append(f"LAPOR! {caps.adapter} adapter has no {what}")
        try:
            if caps.change_feed:
                pending -= await read_lapor_feed(hub, sides, summary)
        except ConnectorError as exc:  # LAPOR! down: channel-side work still goes ahead
            summary.errors["lapor"] = describe(exc)
            log.warning("reconcile.feed_failed", error=describe(exc))
        ordered = sorted(pending)
        for start in range(0, len(ordered), BATCH):
            await process(hub, sides, {}, ordered[start:start + BATCH], summary)
    save_audit_cursor(hub.engine, found.last_audit_id)
    log.info("reconcile.done", **summary.model_dump(exclude={"errors"}))
    return summary


async def read_lapor_feed(hub: Hub, sides: _Sides, summary: ReconcileSummary) -> set[int]:
    """Every LAPOR! change since the cursor, one page per transaction; ticket ids handled."""
    handled: set[int] = set()
    with Session(hub.engine) as session:
        row = session.get(CursorRow, LAPOR_CHANGES_CURSOR)
        cursor = row.resume_token if row else None
    while True:
        page = await sides.lapor.changes(since=cursor, limit=FEED_PAGE)
        if not page.data:
            return handled
        latest: dict[str, LaporChange] = {}
        for change in page.data:  # the newest state of each report is all that matters
            latest[change.tracking_id] = change
        summary.lapor_changes += len(page.data)
        handled |= await process(hub, sides, latest, [], summary, cursor=page.next_cursor)
        if not page.next_cursor or page.next_cursor == cursor:
            return handled
        cursor = page.next_cursor


async def process(hub: Hub, sides: _Sides, changes: dict[str, LaporChange],
                  ticket_ids: Iterable[int], summary: ReconcileSummary,
                  cursor: str | None = None) -> set[int]:
    """Decide and write for one batch; commit states, audits, issues (and the feed cursor)."""
    with Session(hub.engine, expire_on_commit=False) as session:
        states = states_for_tracking(session, list(changes)) if changes else {}
        for tracking_id in changes.keys() - states.keys():
            add_issue(session, side="lapor", reason="unknown_ticket", key=tracking_id,
                      tracking_id=tracking_id,
                      detail="LAPOR! change for a report the hub never sent")
            summary.issues += 1
        by_id = {s.ticket_id: s for s in states.values()}
        rest = [i for i in ticket_ids if i not in by_id]
        if rest:
            by_id.update({s.ticket_id: s for s in session.exec(
                select(SyncStateRow).where(col(SyncStateRow.ticket_id).in_(rest)))})
        tickets = {t.id: t for t in session.exec(
            select(TicketRow).where(col(TicketRow.id).in_(list(by_id))))}
        plans: dict[int, Plan] = {}
        for ticket_id, st in by_id.items():
            mapping = hub.mappings.get(st.channel)
            if mapping is None:
                continue
            change = changes.get(st.tracking_id)
            st.dirty = False
            plans[ticket_id] = plan = plan_ticket(
                st, mapping, _lapor_obs(change), _channel_obs(tickets.get(ticket_id)),
                can_write(st.channel))
            summary.echoes += plan.echoes
            for side, reason, text in plan.issues:
                add_issue(session, side=side, reason=reason, detail=text,
                          key=f"{st.tracking_id}:{st.lapor_status}:{st.channel_status}",
                          channel=st.channel, ticket_id=ticket_id, tracking_id=st.tracking_id)
                summary.issues += 1
            for event, detail in plan.audits:
                audit(session, st, event, detail, summary.run_id)
                summary.conflicts += event == "sync.conflict"
        limit = asyncio.Semaphore(hub.settings.push_concurrency)
        await asyncio.gather(*(_write(hub, sides, session, by_id[i], p, summary, limit)
                               for i, p in plans.items() if p.lapor or p.channel))
        now = utcnow()
        for st in by_id.values():
            mapping = hub.mappings.get(st.channel)
            st.in_agreement = mapping is not None and agreement(st, mapping)
            st.updated_at = now
            session.add(st)
        if cursor is not None:
            row = session.get(CursorRow, LAPOR_CHANGES_CURSOR) or CursorRow(
                channel=LAPOR_CHANGES_CURSOR)
            row.resume_token, row.updated_at = cursor, now
            session.add(row)
        session.commit()
    summary.tickets += len(by_id)
    return set(by_id)


def _lapor_obs(change: LaporChange | None) -> LaporObs | None:
    if change is None:
        return None
    return LaporObs(change.status, [t.isi for t in change.tindak_lanjut], change.cursor,
                    change.diperbarui)


def _channel_obs(row: TicketRow | None) -> ChannelObs | None:
    if row is None or row.payload == "null":
        return None
    payload = json.loads(row.payload)
    raw = json.loads(row.raw) if row.raw else None
    return ChannelObs(str(payload["source_status"]), row.source_version,
                      follow_ups(row.channel, raw))


async def _write(hub: Hub, sides: _Sides, session: Session, st: SyncStateRow, plan: Plan,
                 summary: ReconcileSummary, limit: asyncio.Semaphore) -> None:
    target = plan.target
    assert target is not None
    mapping = hub.mappings[st.channel]
    async with limit:
        if plan.lapor is not None and not sides.lapor.capabilities.follow_up:
            # Not a failure to retry: this adapter cannot follow up at all (the round says so).
            st.note = "LAPOR! adapter sends no follow-ups"
        elif plan.lapor is not None:
            w = plan.lapor
            try:
                await sides.lapor.add_follow_up(st.tracking_id, isi=w.isi, status=w.status.value,
                                                oleh=w.oleh, waktu=datetime.now(UTC),
                                                petugas=w.petugas)
                lapor_written(st, w, target)
                summary.to_lapor += 1
                audit(session, st, "sync.to_lapor", {"status": w.status, "target": target,
                                                     "channel_status": st.channel_status,
                                                     "petugas": bool(w.petugas)}, summary.run_id)
            except ConnectorError as exc:
                # Uncertain or failed: retried next round, after the feed shows whether it landed.
                _failed(session, st, "lapor", exc, summary)
        if plan.channel is not None:
            w2 = plan.channel
            ctx = WriteContext(st.tracking_id, st.instansi or "SP4N-LAPOR!", target,
                              st.officer_name or st.instansi or mapping.sumber)
            try:
                writer = await sides.writer(st.channel)
                record = await writer.write(st.source_id, w2.status, w2.texts, ctx)
            except AmbiguousWriteError as exc:
                # A channel write may reach a citizen (an SMS): never sent blindly again.
                st.channel_done_for, st.out_channel = target.value, "[]"
                _failed(session, st, "channel", exc, summary, retry=False)
                return
            except ConnectorError as exc:
                _failed(session, st, "channel", exc, summary)
                return
            channel_written(st, mapping, record, follow_ups(st.channel, record), w2, target)
            if record is not None:
                summary.to_channel += 1
                audit(session, st, "sync.to_channel", {"status": st.channel_status,
                                                       "target": target}, summary.run_id)


def _failed(session: Session, st: SyncStateRow, side: str, exc: ConnectorError,
            summary: ReconcileSummary, retry: bool = True) -> None:
    summary.write_failures += 1
    st.dirty = st.dirty or retry
    st.note = f"write to {side} failed: {safe_message(exc)}"[:200]
    audit(session, st, "sync.write_failed", {"side": side, "error": safe_message(exc),
                                             "retry": retry}, summary.run_id)
    if not retry:
        add_issue(session, side=side, reason="ambiguous_write", key=st.tracking_id,
                  detail=f"write to {side} may or may not have landed; not sent again",
                  channel=st.channel, ticket_id=st.ticket_id, tracking_id=st.tracking_id)
    log.warning("reconcile.write_failed", side=side, channel=st.channel,
                error=safe_message(exc), retry=retry)
