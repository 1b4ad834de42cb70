"""Ticket records for the read side: the ledger row, its canonical payload, two-way sync state.

The two-way sync keeps per-ticket state (LAPOR! status, channel status, officer) in a table of its
own. It is joined when present and tolerated when absent: the table is found on the metadata by
name and read by column name, so the read side works before, and after, that table lands.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Engine, Table, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from hub.core.models import LaporStatus, Ticket
from hub.ledger.tables import SendState, TicketRow, as_utc
from hub.sla.calendar import FIRST_YEAR, LAST_YEAR
from hub.sla.engine import TicketFacts

log = structlog.get_logger(__name__)

SYNC_MODULES = ("hub.ledger.sync_state",)
SYNC_TABLES = ("sync_state", "ticket_sync", "ticket_sync_state")
# Column names the join understands, in order of preference.
LAPOR_STATUS = ("lapor_status",)
LAPOR_STATUS_AT = ("lapor_status_at", "lapor_at", "lapor_updated_at")
CHANNEL_STATUS = ("channel_status", "source_status")
OFFICER = ("officer_name", "petugas", "officer", "petugas_nama")
UNIT = ("officer_unor", "unit")


@dataclass
class SyncInfo:
    lapor_status: LaporStatus | None = None
    lapor_status_at: datetime | None = None
    channel_status: str | None = None
    petugas: str | None = None
    unit: str | None = None  # the officer's unit (SIASN unor): where reminders go


@dataclass
class TicketRecord:
    id: int
    channel: str
    source_id: str
    state: SendState
    tracking_id: str | None
    identity_status: str
    created_at: datetime
    sent_at: datetime | None
    ticket: Ticket
    sync: SyncInfo = field(default_factory=SyncInfo)
    # Why this row's dates cannot be computed with (then it is shown with an error marker).
    problem: str | None = None

    @property
    def lapor_status(self) -> LaporStatus:
        return self.sync.lapor_status or self.ticket.status

    @property
    def channel_status(self) -> str:
        return self.sync.channel_status or self.ticket.source_status

    def facts(self) -> TicketFacts:
        """What the SLA engine needs. Known moments only: created, and the current status since
        the last change we saw (the sync's own timestamp when it has one)."""
        t = self.ticket
        reached = {LaporStatus.belum_terverifikasi: as_utc(t.dibuat)}
        since = self.sync.lapor_status_at or t.diperbarui
        reached.setdefault(self.lapor_status, as_utc(since))
        return TicketFacts(channel=self.channel, sla_class=t.sla_class, dibuat=as_utc(t.dibuat),
                           status=self.lapor_status, reached=reached)


def date_problem(ticket: Ticket) -> str | None:
    """A date the read side cannot compute with (overflows UTC, or outside the calendar)."""
    for stamp in (ticket.dibuat, ticket.diperbarui, ticket.tanggal_kejadian):
        if stamp is None:
            continue
        try:
            year = as_utc(stamp).year
        except OverflowError:
            return "a date of this ticket is out of range"
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return "a date of this ticket is out of range"
    return None


def sync_table() -> Table | None:
    for module in SYNC_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    for name in SYNC_TABLES:
        table = SQLModel.metadata.tables.get(name)
        if table is not None and "ticket_id" in table.c:
            return table
    return None


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((row[n] for n in names if row.get(n) is not None), None)


def _sync_info(row: dict[str, Any]) -> SyncInfo:
    status = _pick(row, LAPOR_STATUS)
    at = _pick(row, LAPOR_STATUS_AT)
    return SyncInfo(
        lapor_status=LaporStatus(status) if status in LaporStatus.__members__ else None,
        lapor_status_at=as_utc(at) if isinstance(at, datetime) else None,
        channel_status=_pick(row, CHANNEL_STATUS), petugas=_pick(row, OFFICER),
        unit=_pick(row, UNIT))


def _load_sync(session: Session, ids: list[int]) -> dict[int, SyncInfo]:
    table = sync_table()
    if table is None or not ids:
        return {}
    rows = session.connection().execute(select(table).where(table.c.ticket_id.in_(ids)))
    return {int(r["ticket_id"]): _sync_info(dict(r)) for r in rows.mappings()}


def to_records(session: Session, rows: Iterable[TicketRow]) -> list[TicketRecord]:
    out = []
    for row in rows:
        if row.id is None or row.payload in ("", "null"):
            continue  # skipped records carry no ticket: they never reach any view
        try:
            ticket = Ticket.model_validate_json(row.payload)
        except ValidationError:
            # Not a ticket any view could show; one such row must not fail the list around it.
            log.error("view.unreadable_ticket", ticket_id=row.id, channel=row.channel)
            continue
        out.append(TicketRecord(
            id=row.id, channel=row.channel, source_id=row.source_id, state=row.state,
            tracking_id=row.tracking_id, identity_status=row.identity_status,
            created_at=as_utc(row.created_at),
            sent_at=as_utc(row.sent_at) if row.sent_at else None,
            ticket=ticket, problem=date_problem(ticket)))
    sync = _load_sync(session, [r.id for r in out])
    for record in out:
        record.sync = sync.get(record.id, record.sync)
    return out


def scan(engine: Engine, *, channels: list[str] | None = None, before_id: int | None = None,
         batch: int = 500) -> Iterator[TicketRecord]:
    """Records newest first (by ledger id), in batches, starting below ``before_id``."""
    while True:
        query = sm_select(TicketRow).where(col(TicketRow.payload) != "null")
        if channels:
            query = query.where(col(TicketRow.channel).in_(channels))
        if before_id is not None:
            query = query.where(col(TicketRow.id) < before_id)
        with Session(engine) as session:
            rows = list(session.exec(query.order_by(col(TicketRow.id).desc()).limit(batch)))
            records = to_records(session, rows)
        yield from records
        if len(rows) < batch:
            return
        before_id = rows[-1].id


def get_record(engine: Engine, ticket_id: int) -> TicketRecord | None:
    with Session(engine) as session:
        row = session.get(TicketRow, ticket_id)
        records = to_records(session, [row]) if row is not None else []
    return records[0] if records else None
