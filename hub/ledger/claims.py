"""The push state machine: claim → (sent | retry | quarantined), guarded by claim tokens.

Only the worker whose token is on a row may move it out of ``sending``. A claim is one
``UPDATE … WHERE state = …``: on PostgreSQL the second of two concurrent claimers re-reads the row
after the first commits, sees it is no longer claimable and gets nothing; on SQLite writers are
serialised. A token's holder (``hub.ledger.holders``) renews a heartbeat while it pushes; rows in
``sending`` whose holder was released (proved gone, or its Prefect flow run crashed) or stopped
renewing for longer than the lease are claimed again with ``needs_lookup``, so LAPOR! is asked
before any new POST. Rows without a holder (written before holders existed) fall back to the
age of ``claimed_at``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, exists, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.core.models import Ticket
from hub.ledger.bulk import insert_rows
from hub.ledger.tables import (
    AuditRow,
    ClaimHolderRow,
    QuarantineRow,
    SendState,
    TicketRow,
    utcnow,
)


@dataclass(frozen=True)
class Claimed:
    id: int
    ticket: Ticket
    attempts: int
    needs_lookup: bool
    token: str


@dataclass(frozen=True)
class Sent:
    id: int
    tracking_id: str
    transaksi_id: str | None
    identity_status: str
    identity_note: str | None
    recovered: bool = False  # found in LAPOR! by lookup rather than created now


@dataclass(frozen=True)
class Retry:
    id: int
    error: str
    next_attempt_at: datetime
    needs_lookup: bool


@dataclass(frozen=True)
class Quarantine:
    id: int
    stage: str
    reason: str
    detail: str
    # Gave up after a POST that may have reached LAPOR!: whoever revives the row looks up first.
    needs_lookup: bool = False


Outcome = Sent | Retry | Quarantine


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return and_(col(TicketRow.state) == SendState.pending, col(TicketRow.next_attempt_at) <= now)


def _taken_over(now: datetime, lease_s: float):  # type: ignore[no-untyped-def]
    stale = now - timedelta(seconds=lease_s)
    holder = ClaimHolderRow
    lost = exists().where(col(holder.token) == TicketRow.claim_token,
                          or_(col(holder.released_at).is_not(None),
                              col(holder.heartbeat_at) < stale))
    orphan = and_(~exists().where(col(holder.token) == TicketRow.claim_token),
                  col(TicketRow.claimed_at) < stale)
    return and_(col(TicketRow.state) == SendState.sending, or_(lost, orphan))


def _claimable(now: datetime, lease_s: float):  # type: ignore[no-untyped-def]
    return or_(_due(now), _taken_over(now, lease_s))


def any_due(engine: Engine, *, lease_s: float, channels: list[str] | None = None) -> bool:
    """Whether a claim would find anything now: a cheap look before starting a push task."""
    where = _claimable(utcnow(), lease_s)
    if channels:
        where = and_(where, col(TicketRow.channel).in_(channels))
    with Session(engine) as session:
        return session.exec(select(TicketRow.id).where(where).limit(1)).first() is not None


def claim_batch(
    engine: Engine,
    *,
    token: str,
    limit: int,
    lease_s: float,
    channels: list[str] | None = None,
    now: datetime | None = None,
    held: bool = False,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows for ``token``. With ``held``, only while the token's holder
    row exists unreleased: a holder released under it (a hook, a sibling's verdict) claims no more.
    """
    now = now or utcnow()
    scope: list[Any] = []
    if channels:
        scope.append(col(TicketRow.channel).in_(channels))
    if held:
        scope.append(exists().where(col(ClaimHolderRow.token) == token,
                                    col(ClaimHolderRow.released_at).is_(None)))
    where = and_(_claimable(now, lease_s), *scope)

    def pick(condition: Any, order: list[Any], n: int) -> list[int]:
        query = select(TicketRow.id).where(condition, *scope).order_by(*order).limit(n)
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [i for i in session.exec(query) if i is not None]

    with Session(engine) as session:
        # Two picks, not one over the OR of both: ordered by id, the OR made the database sort
        # every pending row on each claim (a backlog of 100,000 sorted again per group). Taken-
        # over rows are few and go first; due rows come in due order, straight off the
        # (state, next_attempt_at) index, so a claim reads about as many rows as it takes.
        ids = pick(_taken_over(now, lease_s), [col(TicketRow.id)], limit)
        if len(ids) < limit:
            ids += pick(_due(now), [col(TicketRow.next_attempt_at), col(TicketRow.id)],
                        limit - len(ids))
        if not ids:
            return []
        session.execute(
            update(TicketRow)
            .where(col(TicketRow.id).in_(ids), where)
            .values(
                # A row taken over from a stale claim may already be in LAPOR!.
                needs_lookup=case((col(TicketRow.state) == SendState.sending, True),
                                  else_=col(TicketRow.needs_lookup)),
                state=SendState.sending, claim_token=token, claimed_at=now, updated_at=now,
                attempts=col(TicketRow.attempts) + 1,
            )
        )
        session.commit()
        # Plain columns, not ORM rows: building and tracking a mapped object per ticket was most
        # of a claim's CPU, and nothing here is written back through the session.
        rows = session.execute(
            select(TicketRow.id, TicketRow.payload, TicketRow.attempts, TicketRow.needs_lookup)
            .where(TicketRow.claim_token == token, TicketRow.state == SendState.sending))
        return [
            Claimed(id=row_id or 0, ticket=Ticket.model_validate_json(payload),
                    attempts=attempts, needs_lookup=needs_lookup, token=token)
            for row_id, payload, attempts, needs_lookup in rows
        ]


def record_outcomes(engine: Engine, token: str, outcomes: list[Outcome],
                    run_id: str | None = None) -> int:
    """Write a group of push outcomes in one transaction; returns how many still held the claim.

    Writing a group at a time is safe: a crash before this commit leaves the rows in
    ``sending``, and recovery looks them up in LAPOR! instead of posting again. The rows are
    updated with one executemany per kind of outcome (no ORM object per ticket): on the push's
    hot path the ORM's bookkeeping cost more than the database work.
    """
    now = utcnow()
    table = TicketRow.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        c = table.c
        rows = {r.id: r for r in session.execute(
            sa_select(c.id, c.channel, c.source_id, c.source_version, c.attempts, c.needs_lookup)
            .where(c.id.in_([o.id for o in outcomes]), c.claim_token == token,
                   c.state == SendState.sending))}
        held = [o for o in outcomes if o.id in rows]  # the others: our lease ran out
        updates: dict[type, list[dict[str, Any]]] = {}
        audits: list[dict[str, Any]] = []
        quarantined: list[tuple[Quarantine, Any]] = []
        for outcome in held:
            row = rows[outcome.id]
            values, event, detail = _apply(row, outcome)
            updates.setdefault(type(outcome), []).append(
                {"b_id": outcome.id, "updated_at": now, "claim_token": None, **values})
            audits.append({"ticket_id": row.id, "channel": row.channel, "source_id": row.source_id,
                           "event": event, "from_state": SendState.sending,
                           "to_state": values["state"], "detail": detail, "run_id": run_id,
                           "at": now})
            if isinstance(outcome, Quarantine):
                quarantined.append((outcome, row))
        statement = update(table).where(table.c.id == bindparam("b_id"),
                                        table.c.claim_token == token)
        for params in updates.values():
            session.execute(statement, params)
        insert_rows(session, AuditRow, audits)
        if quarantined:
            raw = {ticket_id: text for ticket_id, text in session.execute(
                sa_select(c.id, c.raw).where(c.id.in_([o.id for o, _ in quarantined])))}
            insert_rows(session, QuarantineRow, [
                {"channel": row.channel, "source_id": row.source_id,
                 "source_version": row.source_version, "stage": o.stage, "reason": o.reason,
                 "detail": o.detail, "raw": raw[o.id], "fingerprint": uuid.uuid4().hex,
                 "run_id": run_id, "created_at": now} for o, row in quarantined])
        session.commit()
    return len(held)


def _apply(row: Any, outcome: Outcome) -> tuple[dict[str, Any], str, str]:
    """The columns an outcome sets (same keys for every outcome of its kind), its audit event."""
    if isinstance(outcome, Sent):
        return ({"state": SendState.sent, "sent_at": utcnow(), "needs_lookup": False,
                 "tracking_id": outcome.tracking_id, "transaksi_id": outcome.transaksi_id,
                 "identity_status": outcome.identity_status,
                 "identity_note": outcome.identity_note, "last_error": None},
                "ticket.recovered" if outcome.recovered else "ticket.sent",
                json.dumps({"tracking_id": outcome.tracking_id}))
    if isinstance(outcome, Retry):
        return ({"state": SendState.pending, "next_attempt_at": outcome.next_attempt_at,
                 "needs_lookup": outcome.needs_lookup, "last_error": outcome.error[:500]},
                "ticket.retry", json.dumps({"error": outcome.error, "attempt": row.attempts}))
    return ({"state": SendState.quarantined,
             "last_error": f"{outcome.reason}: {outcome.detail}"[:500],
             "needs_lookup": bool(row.needs_lookup or outcome.needs_lookup)},
            "ticket.quarantined", json.dumps({"reason": outcome.reason, "detail": outcome.detail}))
