"""Quarantine for integrators: list, show (masked) and replay through the current schema + mapping.

A replay of a pull-stage entry (validate, map, identity) first re-reads the record from its
channel (``hub.sync.rescan``: a bounded window of the feed), because a record quarantined for
wire corruption is valid at the source; only when the channel cannot serve it does it run the
stored raw record through ``process_records`` again. Either way it is ingested without
touching the channel cursor: the replayed record is not a position in any feed. A replay of a
push-stage entry re-maps the ticket row's own raw record and puts it back to ``pending``;
``needs_lookup`` stays as it was, because a ticket that gave up after ambiguous POSTs may
already be in LAPOR! and must be looked up before any new POST.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from hub.ledger.ingest import QuarantineEntry, entry_fingerprint, ingest_page
from hub.ledger.tables import AuditRow, QuarantineRow, SendState, TicketRow, as_utc, utcnow
from hub.privacy.masking import scrub_text
from hub.sync.pipeline import Hub
from hub.sync.pull import process_records
from hub.sync.quarantine_mask import mask_raw, reporter_names
from hub.sync.rescan import fresh_copies


class QuarantineNotFound(LookupError):
    pass


class EntrySummary(BaseModel):
    id: int
    channel: str
    source_id: str | None
    stage: str
    reason: str
    detail: str
    created_at: datetime
    resolution: str | None
    replay_count: int


class HistoryItem(BaseModel):
    at: datetime
    event: str
    from_state: str | None
    to_state: str | None
    detail: str | None


class EntryDetail(EntrySummary):
    source_version: str | None
    schema_path: str | None
    run_id: str | None
    raw_masked: Any
    history: list[HistoryItem]


class ReplayOutcome(BaseModel):
    id: int
    channel: str
    source_id: str | None
    replayed: bool
    reason: str | None = None  # the new reason when the replay failed again
    detail: str | None = None


def _summary(row: QuarantineRow) -> EntrySummary:
    return EntrySummary(id=row.id or 0, channel=row.channel, source_id=row.source_id,
                        stage=row.stage, reason=row.reason, detail=scrub_text(row.detail),
                        created_at=as_utc(row.created_at), resolution=row.resolution,
                        replay_count=row.replay_count)


def list_entries(hub: Hub, channel: str | None = None, reason: str | None = None,
                 include_resolved: bool = False) -> list[EntrySummary]:
    query = select(QuarantineRow).order_by(col(QuarantineRow.id))
    if channel:
        query = query.where(QuarantineRow.channel == channel)
    if reason:
        query = query.where(QuarantineRow.reason == reason)
    if not include_resolved:
        query = query.where(col(QuarantineRow.resolved_at).is_(None))
    with Session(hub.engine) as session:
        return [_summary(row) for row in session.exec(query)]


def show_entry(hub: Hub, entry_id: int) -> EntryDetail:
    with Session(hub.engine) as session:
        row = session.get(QuarantineRow, entry_id)
        if row is None:
            raise QuarantineNotFound(f"no quarantine entry {entry_id}")
        audit = select(AuditRow).where(AuditRow.channel == row.channel).order_by(col(AuditRow.id))
        if row.source_id is not None:
            audit = audit.where(AuditRow.source_id == row.source_id)
        else:
            audit = audit.where(col(AuditRow.detail).contains(f'"quarantine_id": {entry_id}'))
        raw = json.loads(row.raw)
        history = [HistoryItem(at=as_utc(a.at), event=a.event, from_state=a.from_state,
                               to_state=a.to_state, detail=scrub_text(a.detail or ""))
                   for a in session.exec(audit)]
        return EntryDetail(**_summary(row).model_dump(), source_version=row.source_version,
                           schema_path=row.schema_path, run_id=row.run_id,
                           raw_masked=mask_raw(raw, reporter_names(hub, row.channel, raw)),
                           history=history)


def replay(hub: Hub, entry_id: int, run_id: str | None = None) -> ReplayOutcome:
    with Session(hub.engine) as session:
        row = session.get(QuarantineRow, entry_id)
        if row is None:
            raise QuarantineNotFound(f"no quarantine entry {entry_id}")
        if row.resolved_at is not None:
            raise ValueError(f"quarantine entry {entry_id} is already resolved "
                             f"({row.resolution})")
        channel, stage = row.channel, row.stage
    if channel not in hub.mappings:
        raise ValueError(f"channel {channel!r} has no mapping any more")
    if stage == "push":
        return _replay_push(hub, entry_id, run_id)
    return _replay_pull(hub, entry_id, run_id, _fresh(hub, [entry_id], run_id))


def replay_by_reason(hub: Hub, reason: str, channel: str | None = None,
                     run_id: str | None = None) -> list[ReplayOutcome]:
    entries = list_entries(hub, channel, reason)
    # One rescan per channel serves every entry of it.
    fresh = _fresh(hub, [e.id for e in entries if e.stage != "push"], run_id)
    out = []
    for e in entries:
        if e.stage == "push":
            out.append(replay(hub, e.id, run_id))
        else:
            out.append(_replay_pull(hub, e.id, run_id, fresh))
    return out


def _fresh(hub: Hub, entry_ids: list[int], run_id: str | None) -> dict[tuple[str, str], Any]:
    """Fresh copies from the channels of these entries, keyed by (channel, source id).

    The rest of the re-read window is stored too (deduplicated by version, no cursor moved): a
    record whose id itself was corrupted on the wire cannot be matched to its entry, but it is
    valid at the source and must reach LAPOR! all the same.
    """
    wanted: dict[str, tuple[set[str], datetime]] = {}
    with Session(hub.engine) as session:
        for entry_id in entry_ids:
            row = session.get(QuarantineRow, entry_id)
            if row is None or row.channel not in hub.mappings:
                continue
            ids, oldest = wanted.get(row.channel, (set(), as_utc(row.created_at)))
            if row.source_id is not None:
                ids.add(row.source_id)
            wanted[row.channel] = (ids, min(oldest, as_utc(row.created_at)))
    out: dict[tuple[str, str], Any] = {}
    for channel, (ids, oldest) in wanted.items():
        window = fresh_copies(hub, channel, ids, oldest)
        for source_id, raw in window.found.items():
            out[(channel, source_id)] = raw
        done = process_records(window.others, hub.mappings[channel], hub.validators[channel])
        if done.mapped or done.skipped:
            ingest_page(hub.engine, channel, done.mapped, [], resume_token=None, run_id=run_id,
                        skipped=done.skipped, move_cursor=False,
                        by_content=hub.mappings[channel].record.by_content)
    return out


def _replay_pull(hub: Hub, entry_id: int, run_id: str | None,
                 fresh: dict[tuple[str, str], Any]) -> ReplayOutcome:
    with Session(hub.engine) as session:
        row = session.get(QuarantineRow, entry_id)
        assert row is not None
        if row.resolved_at is not None:  # settled meanwhile (e.g. superseded by a fresh copy)
            return ReplayOutcome(id=entry_id, channel=row.channel, source_id=row.source_id,
                                 replayed=True, reason=row.resolution)
        stored = json.loads(row.raw)
    raw = fresh.get((row.channel, row.source_id or ""), stored)
    done = process_records([raw], hub.mappings[row.channel], hub.validators[row.channel])
    if done.quarantined:
        return _still_failing(hub, entry_id, done.quarantined[0], run_id)
    ingest_page(hub.engine, row.channel, done.mapped, [], resume_token=None, run_id=run_id,
                skipped=done.skipped, move_cursor=False,
                by_content=hub.mappings[row.channel].record.by_content)
    source_id = done.mapped[0].ticket.source_id if done.mapped else done.skipped[0].source_id
    return _resolve(hub, entry_id, source_id, run_id, ticket_state=None)


def _replay_push(hub: Hub, entry_id: int, run_id: str | None) -> ReplayOutcome:
    with Session(hub.engine) as session:
        q = session.get(QuarantineRow, entry_id)
        assert q is not None
        ticket = session.exec(select(TicketRow).where(
            TicketRow.channel == q.channel, TicketRow.source_id == q.source_id)).first()
        if ticket is None or ticket.state != SendState.quarantined:
            # A newer version already gave the ticket a fresh start: nothing left to replay.
            q.resolved_at, q.resolution = utcnow(), "superseded"
            session.add(q)
            session.commit()
            return ReplayOutcome(id=entry_id, channel=q.channel, source_id=q.source_id,
                                 replayed=False, reason="superseded",
                                 detail="the ticket is no longer quarantined")
        raw = json.loads(ticket.raw)
    done = process_records([raw], hub.mappings[q.channel], hub.validators[q.channel])
    if done.quarantined:
        return _still_failing(hub, entry_id, done.quarantined[0], run_id)
    now = utcnow()
    with Session(hub.engine) as session:
        row = session.get(TicketRow, ticket.id)
        assert row is not None
        if done.mapped:
            fresh = done.mapped[0].ticket
            if hub.mappings[q.channel].record.by_content:
                # The same stored record: same fingerprint, same hub-assigned version.
                fresh = fresh.model_copy(update={"source_version": row.source_version})
            row.payload, row.content_hash = fresh.model_dump_json(), fresh.content_hash()
            row.source_version = fresh.source_version
            row.state, row.attempts, row.next_attempt_at = SendState.pending, 0, now
        else:  # the fixed mapping says this record is not forwarded at all
            row.state, row.skip_reason = SendState.skipped, done.skipped[0].reason[:200]
        row.last_error, row.updated_at = None, now
        session.add(row)
        session.commit()
    return _resolve(hub, entry_id, ticket.source_id, run_id, ticket_state=SendState.pending)


def _resolve(hub: Hub, entry_id: int, source_id: str, run_id: str | None,
             ticket_state: SendState | None) -> ReplayOutcome:
    now = utcnow()
    with Session(hub.engine) as session:
        q = session.get(QuarantineRow, entry_id)
        assert q is not None
        # The ingest may have marked it "superseded" by the very record replayed: it was replayed.
        q.resolved_at, q.resolution, q.replay_count = now, "replayed", q.replay_count + 1
        ticket = session.exec(select(TicketRow).where(
            TicketRow.channel == q.channel, TicketRow.source_id == source_id)).first()
        session.add(q)
        session.add(AuditRow(
            ticket_id=ticket.id if ticket else None, channel=q.channel, source_id=source_id,
            event="quarantine.replayed",
            from_state=SendState.quarantined if ticket_state else None,
            to_state=ticket.state if ticket else None, run_id=run_id,
            detail=json.dumps({"quarantine_id": entry_id, "stage": q.stage,
                               "reason": q.reason})))
        session.commit()
        return ReplayOutcome(id=entry_id, channel=q.channel, source_id=source_id, replayed=True)


def _still_failing(hub: Hub, entry_id: int, entry: QuarantineEntry,
                   run_id: str | None) -> ReplayOutcome:
    stage, reason, detail, schema_path = entry.stage, entry.reason, entry.detail, entry.schema_path
    with Session(hub.engine) as session:
        q = session.get(QuarantineRow, entry_id)
        assert q is not None
        previous = q.reason
        q.reason, q.detail, q.schema_path = reason, detail, schema_path
        q.replay_count += 1
        if q.stage != "push":
            # A push entry stays one: its ticket row is what the next replay puts back to pending.
            q.stage = stage
            # A later pull of the same record failing the same way is this entry, not a new one.
            q.fingerprint = entry_fingerprint(entry)
        session.add(q)
        session.add(AuditRow(channel=q.channel, source_id=q.source_id,
                             event="quarantine.replay_failed", run_id=run_id,
                             detail=json.dumps({"quarantine_id": entry_id, "previous": previous,
                                                "reason": reason})))
        session.commit()
        return ReplayOutcome(id=entry_id, channel=q.channel, source_id=q.source_id,
                             replayed=False, reason=reason, detail=scrub_text(detail))
