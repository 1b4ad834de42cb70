"""Storing a pulled page: tickets, quarantine entries and the page cursor in one transaction.

The cursor moves in the same commit as the records it covers, so a crash either keeps both or
neither: a record is never behind a cursor that was saved before it was.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hub.core.models import Ticket
from hub.ledger.bulk import insert_rows
from hub.ledger.tables import AuditRow, CursorRow, QuarantineRow, SendState, TicketRow, utcnow


@dataclass(frozen=True)
class QuarantineEntry:
    channel: str
    source_id: str | None
    source_version: str | None
    stage: str
    reason: str
    detail: str
    raw: Any
    schema_path: str | None = None


@dataclass(frozen=True)
class Mapped:
    ticket: Ticket
    raw: Any


@dataclass(frozen=True)
class Skipped:
    """A record the mapping deliberately does not forward (e.g. a 112 emergency call)."""

    source_id: str
    source_version: str
    reason: str
    raw: Any


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0
    new_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        self.skipped += other.skipped
        self.new_ids += other.new_ids


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def entry_fingerprint(entry: QuarantineEntry) -> str:
    key = [entry.channel, entry.stage, entry.reason, entry.source_id, entry.source_version,
           _dumps(entry.raw)]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def next_version(row: TicketRow | None) -> str:
    """The hub-assigned version after ``row``'s (channels versioned by content)."""
    current = row.source_version if row is not None else ""
    number = int(current) if current.isdigit() else 0
    return f"{number + 1:020d}"


def _latest_per_source(mapped: list[Mapped]) -> dict[str, Mapped]:
    latest: dict[str, Mapped] = {}
    for item in mapped:
        seen = latest.get(item.ticket.source_id)
        if seen is None or item.ticket.source_version > seen.ticket.source_version:
            latest[item.ticket.source_id] = item
    return latest


def ingest_page(
    engine: Engine,
    channel: str,
    mapped: list[Mapped],
    quarantined: list[QuarantineEntry],
    *,
    resume_token: str | None,
    run_id: str | None,
    skipped: list[Skipped] | None = None,
    move_cursor: bool = True,
    by_content: bool = False,
) -> IngestResult:
    """Store one page; ``move_cursor=False`` for a replay, which is no position in any feed.

    ``by_content``: the channel has no versions (``version_type: content``), so each ticket's
    ``source_version`` arrives as its record's fingerprint. A fingerprint equal to the stored one
    is an unchanged re-read; a different one becomes the next hub-assigned version (``1, 2, …``,
    zero-padded like an int version) in the same transaction that stores it.

    Two pulls of one channel may race (a manual sync beside a scheduled one): the loser of an
    insert race rolls back and stores the page again, now seeing the winner's rows as existing.
    """
    for attempt in range(3):
        try:
            return _ingest_once(engine, channel, mapped, quarantined, resume_token=resume_token,
                                run_id=run_id, skipped=skipped, move_cursor=move_cursor,
                                by_content=by_content)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _ingest_once(
    engine: Engine,
    channel: str,
    mapped: list[Mapped],
    quarantined: list[QuarantineEntry],
    *,
    resume_token: str | None,
    run_id: str | None,
    skipped: list[Skipped] | None,
    move_cursor: bool,
    by_content: bool = False,
) -> IngestResult:
    result = IngestResult(unchanged=len(mapped))
    latest = _latest_per_source(mapped)
    now = utcnow()
    with Session(engine) as session:
        existing = {
            row.source_id: row
            for row in session.exec(
                select(TicketRow).where(
                    TicketRow.channel == channel, col(TicketRow.source_id).in_(list(latest))
                )
            )
        }
        inserted: list[dict[str, object]] = []
        audits: list[dict[str, object]] = []
        for source_id, item in latest.items():
            ticket = item.ticket
            row = existing.get(source_id)
            fingerprint: str | None = None
            if by_content:
                fingerprint = ticket.source_version
                if row is not None and row.source_fingerprint == fingerprint:
                    continue  # read again, unchanged
                ticket = ticket.model_copy(update={"source_version": next_version(row)})
            elif row is not None and row.source_version >= ticket.source_version:
                continue  # a duplicate or a stale re-read: deduplicated by version
            result.unchanged -= 1
            payload, digest = ticket.model_dump_json(), ticket.content_hash()
            if row is None:
                inserted.append({"channel": channel, "source_id": source_id,
                                 "source_version": ticket.source_version, "content_hash": digest,
                                 "source_fingerprint": fingerprint,
                                 "payload": payload, "raw": _dumps(item.raw), "created_at": now,
                                 "updated_at": now, "next_attempt_at": now})
                result.new += 1
                continue
            result.updated += 1
            previous = row.state
            row.source_version, row.payload = ticket.source_version, payload
            row.raw, row.source_fingerprint = _dumps(item.raw), fingerprint
            changed = row.content_hash != digest
            row.content_hash, row.updated_at = digest, now
            if row.state == SendState.quarantined:
                # A new version may fix what stopped the old one: give it a fresh start.
                row.state, row.attempts, row.next_attempt_at = SendState.pending, 0, now
            session.add(row)
            audits.append({"ticket_id": row.id, "channel": channel, "source_id": source_id,
                           "event": "ticket.new_version", "from_state": previous,
                           "to_state": row.state, "run_id": run_id, "at": now,
                           "detail": _dumps({"version": ticket.source_version,
                                             "content_changed": changed})})
        result.skipped = _store_skipped(session, channel, skipped or [], run_id)
        result.quarantined = add_quarantine(session, quarantined, run_id)
        if latest:
            session.flush()
            open_entries = session.exec(select(QuarantineRow).where(
                QuarantineRow.channel == channel, col(QuarantineRow.source_id).in_(list(latest)),
                col(QuarantineRow.resolved_at).is_(None)))
            for q in open_entries:
                # Quarantined versions no newer than what just came through are settled by it.
                # Without versions (by content), a good read is the row's current content.
                version = latest[q.source_id or ""].ticket.source_version
                if by_content or q.source_version is None or q.source_version <= version:
                    q.resolved_at, q.resolution = now, "superseded"
                    session.add(q)
        if move_cursor:
            cursor = session.get(CursorRow, channel) or CursorRow(channel=channel)
            cursor.resume_token, cursor.updated_at = resume_token, now
            session.add(cursor)
        session.flush()
        for ticket_id, source_id in insert_rows(session, TicketRow, inserted,
                                                returning=("id", "source_id")):
            result.new_ids.append(ticket_id)
            audits.append({"ticket_id": ticket_id, "channel": channel, "source_id": source_id,
                           "event": "ticket.ingested", "to_state": SendState.pending,
                           "run_id": run_id, "at": now})
        insert_rows(session, AuditRow, audits)
        session.commit()
    return result


def _store_skipped(session: Session, channel: str, skipped: list[Skipped],
                   run_id: str | None) -> int:
    """Skipped records are kept (counted, auditable), never pushed; payload is JSON ``null``."""
    if not skipped:
        return 0
    ids = [s.source_id for s in skipped]
    existing = {r.source_id: r for r in session.exec(select(TicketRow).where(
        TicketRow.channel == channel, col(TicketRow.source_id).in_(ids)))}
    stored = 0
    for item in skipped:
        row = existing.get(item.source_id)
        if row is not None and (row.source_version >= item.source_version
                                or row.state != SendState.skipped):
            continue  # known, or already forwarded under an earlier version: leave it be
        row = row or TicketRow(channel=channel, source_id=item.source_id, content_hash="",
                               source_version=item.source_version, payload="null", raw="")
        row.source_version, row.raw = item.source_version, _dumps(item.raw)
        row.state, row.skip_reason = SendState.skipped, item.reason[:200]
        session.add(row)
        session.add(AuditRow(channel=channel, source_id=item.source_id, event="ticket.skipped",
                             to_state=SendState.skipped, detail=item.reason, run_id=run_id))
        existing[item.source_id] = row
        stored += 1
    return stored


def add_quarantine(session: Session, entries: list[QuarantineEntry], run_id: str | None) -> int:
    """Add entries not already quarantined (same record, same failure); returns how many."""
    fresh = {entry_fingerprint(e): e for e in entries}
    if not fresh:
        return 0
    known = set(session.exec(select(QuarantineRow.fingerprint).where(
        col(QuarantineRow.fingerprint).in_(list(fresh)))))
    added = 0
    for digest, entry in fresh.items():
        if digest in known:
            continue
        session.add(QuarantineRow(
            channel=entry.channel, source_id=entry.source_id,
            source_version=entry.source_version, stage=entry.stage, reason=entry.reason,
            detail=entry.detail, schema_path=entry.schema_path, raw=_dumps(entry.raw),
            fingerprint=digest, run_id=run_id))
        added += 1
    return added
