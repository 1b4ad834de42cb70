"""Ticket lists and details as a role sees them, each with its SLA verdict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.core.models import LaporStatus, Reporter
from hub.ledger.tables import AuditRow, SendState, as_utc
from hub.privacy.masking import scrub_text
from hub.sla.engine import SlaState, TicketSla, evaluate, unknown
from hub.sla.rules import SlaRules
from hub.view.access import WITHHELD, content_withheld, reporter_for, visible
from hub.view.apikeys import Role
from hub.view.records import TicketRecord, get_record, scan


class TicketFilter(BaseModel):
    channel: list[str] | None = None
    instansi: str | None = None
    status: LaporStatus | None = None
    sla: SlaState | None = None
    date_from: date | None = None  # on the ticket's creation date, local time, inclusive
    date_to: date | None = None


class TicketSummary(BaseModel):
    id: int
    channel: str
    source_id: str
    tracking_id: str | None
    send_state: SendState
    judul: str
    kategori: str
    instansi: str
    lapor_status: LaporStatus
    channel_status: str
    petugas: str | None
    dibuat: datetime
    diperbarui: datetime
    rahasia: bool
    anonim: bool
    sla_state: SlaState
    sla_deadline: datetime | None  # of the stage that decides the ticket's state
    sla_overrun: float
    sla_unit: str


class AuditItem(BaseModel):
    at: datetime
    event: str
    from_state: str | None
    to_state: str | None
    detail: str | None
    run_id: str | None


class TicketDetail(TicketSummary):
    isi: str
    lokasi: str | None
    kelurahan: str | None
    kecamatan: str | None
    identity_status: str
    pelapor: Reporter | None
    sla: TicketSla
    audit: list[AuditItem]


def verdict(record: TicketRecord, rules: SlaRules, now: datetime) -> TicketSla:
    """The ticket's SLA, or the error marker when its dates cannot be computed with."""
    if record.problem is not None:
        return unknown(record.channel, rules, record.problem)
    return evaluate(record.facts(), rules, now)


def _stamp(value: datetime) -> datetime:
    try:
        return as_utc(value)
    except OverflowError:
        return value  # shown as the channel sent it; the row carries the SLA error marker


def matches(record: TicketRecord, sla: TicketSla, flt: TicketFilter, rules: SlaRules) -> bool:
    t = record.ticket
    if record.problem is not None:
        # Its day is unknown: it belongs to no period, but it is listed when none is asked for.
        if flt.date_from is not None or flt.date_to is not None:
            return False
        day = date.min
    else:
        day = rules.calendar.local(as_utc(t.dibuat)).date()
    return ((flt.instansi is None or t.instansi == flt.instansi)
            and (flt.status is None or record.lapor_status is flt.status)
            and (flt.sla is None or sla.state is flt.sla)
            and (flt.date_from is None or day >= flt.date_from)
            and (flt.date_to is None or day <= flt.date_to))


def summarize(role: Role, record: TicketRecord, sla: TicketSla) -> TicketSummary:
    t = record.ticket
    deciding = next((s for s in sla.stages if s.compliance and s.state is sla.state), None)
    return TicketSummary(
        id=record.id, channel=record.channel, source_id=record.source_id,
        tracking_id=record.tracking_id, send_state=record.state,
        judul=WITHHELD if content_withheld(role, record) else t.judul,
        kategori=t.kategori_nama or t.kategori, instansi=t.instansi_label,
        lapor_status=record.lapor_status,
        channel_status=record.channel_status, petugas=record.sync.petugas,
        dibuat=_stamp(t.dibuat), diperbarui=_stamp(t.diperbarui), rahasia=t.rahasia,
        anonim=t.anonim, sla_state=sla.state,
        sla_deadline=deciding.deadline if deciding else None,
        sla_overrun=deciding.overrun if deciding else 0.0,
        sla_unit=deciding.unit.value if deciding else "")


def iter_visible(engine: Engine, role: Role, flt: TicketFilter, rules: SlaRules, now: datetime,
                 before_id: int | None = None) -> Iterator[tuple[TicketRecord, TicketSla]]:
    for record in scan(engine, channels=flt.channel, before_id=before_id):
        if not visible(role, record):
            continue
        sla = verdict(record, rules, now)
        if matches(record, sla, flt, rules):
            yield record, sla


def list_tickets(engine: Engine, role: Role, flt: TicketFilter, rules: SlaRules, now: datetime,
                 *, before_id: int | None, limit: int) -> tuple[list[TicketSummary], int | None]:
    """One page, newest first; the second value is where the next page starts (or None)."""
    items: list[TicketSummary] = []
    for record, sla in iter_visible(engine, role, flt, rules, now, before_id):
        if len(items) == limit:
            return items, items[-1].id
        items.append(summarize(role, record, sla))
    return items, None


def ticket_detail(engine: Engine, role: Role, ticket_id: int, rules: SlaRules,
                  now: datetime) -> TicketDetail | None:
    """``None`` both for a ticket that does not exist and one the role may not see."""
    record = get_record(engine, ticket_id)
    if record is None or not visible(role, record):
        return None
    sla = verdict(record, rules, now)
    t, hidden = record.ticket, content_withheld(role, record)
    with Session(engine) as session:
        audit = [AuditItem(at=as_utc(a.at), event=a.event, from_state=a.from_state,
                           to_state=a.to_state, run_id=a.run_id,
                           detail=scrub_text(a.detail) if a.detail else None)
                 for a in session.exec(select(AuditRow).where(AuditRow.ticket_id == ticket_id)
                                       .order_by(col(AuditRow.id)))]
    return TicketDetail(
        **summarize(role, record, sla).model_dump(), isi=WITHHELD if hidden else t.isi,
        lokasi=None if hidden else t.lokasi, kelurahan=None if hidden else t.kelurahan,
        kecamatan=None if hidden else t.kecamatan, identity_status=record.identity_status,
        pelapor=reporter_for(role, record), sla=sla, audit=audit)
