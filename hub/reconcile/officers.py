"""Responsible officers from Simpeg/SIASN: named per OPD by NIP, checked, with fallbacks.

Each OPD names its complaint officer(s), a deputy and optionally its head in
``mappings/officers.yaml`` (SIASN cannot list a unit's members). Every ``officer_check_s`` the
hub checks those NIPs (``hub/reconcile/officers_check.py``); the first still in place holds the
OPD's tickets. When the holder changes, the tickets follow: the change is in the ledger and
goes to LAPOR! as ``petugas``. A named officer who moved or left is reported to the OPD **once**
(a notification to ``head:<instansi>`` that the reminders round delivers) so that it names a
successor. Work per round is a few SIASN calls per due OPD plus the tickets that change hands.
SIASN down: assignment waits, the sync goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from connectors.errors import ConnectorError
from hub.core.clients import Transports, siasn_client
from hub.core.settings import Settings
from hub.ledger.oversight_tables import NotificationRow
from hub.ledger.sync_io import add_issue, audit
from hub.ledger.sync_state import OfficerRow, SyncStateRow
from hub.ledger.tables import as_utc, utcnow
from hub.privacy.masking import mask_nip
from hub.reconcile.officers_check import REASONS, Check, HeadIds, Standing, check_opd
from hub.reconcile.officers_file import OfficersFile, load_officers

if TYPE_CHECKING:
    from hub.reconcile.summary import ReconcileSummary
    from hub.sync.pipeline import Hub

log = structlog.get_logger(__name__)
PENDING_LIMIT = 5000
SUCCESSOR = "successor"  # the notification level that asks an OPD to name a successor


def petugas_text(st: SyncStateRow) -> str:
    return f"{st.officer_name} (NIP {st.officer_nip}), {st.instansi}"


async def check_officers(settings: Settings, instansi: list[str],
                         current: dict[str, str | None], units: OfficersFile,
                         transports: Transports | None = None) -> list[Check]:
    """Check these OPDs against SIASN; an OPD whose check failed comes back as ``error``."""
    limit = asyncio.Semaphore(8)
    async with siasn_client(settings, transports) as siasn:
        heads = HeadIds(siasn)

        async def one(code: str) -> Check:
            async with limit:
                try:
                    return await check_opd(siasn, code, current.get(code), units, heads)
                except ConnectorError as exc:
                    return Check(code, "error", error=str(exc))

        return list(await asyncio.gather(*(one(code) for code in instansi)))


async def assign_officers(hub: Hub, summary: ReconcileSummary) -> set[int]:
    """Check officers that are due, follow changes, assign pending tickets; ids touched."""
    if hub.settings.siasn.client_secret is None:
        return set()  # SIASN not configured: tickets simply carry no officer
    units = load_officers(hub.settings.mappings_dir / "officers.yaml")
    now = utcnow()
    with Session(hub.engine) as session:
        pending = list(session.exec(select(SyncStateRow).where(
            SyncStateRow.officer_state == "pending").limit(PENDING_LIMIT)))
        officers = {o.instansi: o for o in session.exec(select(OfficerRow))}
    stale = now - timedelta(seconds=hub.settings.officer_check_s)
    due = sorted({p.instansi for p in pending if p.instansi not in officers}
                 | {i for i, o in officers.items() if as_utc(o.checked_at) <= stale})
    checks: list[Check] = []
    if due:
        current = {i: o.nip for i, o in officers.items()}
        checks = await check_officers(hub.settings, due, current, units, hub.transports)
    with Session(hub.engine) as session:
        touched = _apply(session, checks, officers, summary)
        touched |= _assign_pending(session, [p.ticket_id for p in pending], summary)
        session.commit()
    return touched


def _tell_opd(session: Session, instansi: str, gone: Standing) -> bool:
    """Record, once per OPD and NIP, the request to name a successor; True when new."""
    stage = "officer:" + hashlib.sha256(f"{instansi}|{gone.nip}".encode()).hexdigest()[:24]
    if session.exec(select(NotificationRow).where(NotificationRow.stage == stage,
                                                  NotificationRow.level == SUCCESSOR)).first():
        return False
    message = (f"{instansi}: the complaint {gone.role} NIP {mask_nip(gone.nip)} "
               f"{REASONS[gone.state]} (SIASN). Tickets went to the next named person; "
               "please name a successor in mappings/officers.yaml.")
    row = NotificationRow(ticket_id=0, channel="siasn", instansi=instansi, stage=stage,
                          level=SUCCESSOR, recipient=f"head:{instansi}", deadline=utcnow(),
                          detail=json.dumps({"message": message}))
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False  # another worker told them first: once is the point
    return True


def _record_departures(session: Session, c: Check, summary: ReconcileSummary) -> None:
    for gone in c.departed:
        add_issue(session, side="siasn", reason=f"siasn_officer_{gone.state}", key=c.instansi,
                  detail=f"{c.instansi}: {gone.role} {mask_nip(gone.nip)} {REASONS[gone.state]}")
        if gone.role == "officer" and _tell_opd(session, c.instansi, gone):
            summary.issues += 1
            log.info("officer.successor_requested", instansi=c.instansi, role=gone.role,
                     state=gone.state)


def _apply(session: Session, checks: list[Check], officers: dict[str, OfficerRow],
           summary: ReconcileSummary) -> set[int]:
    touched: set[int] = set()
    now = utcnow()
    for c in checks:
        row = officers.get(c.instansi)
        if c.kind == "error":
            summary.errors["siasn"] = c.error or "unavailable"
            log.warning("officer.check_failed", instansi=c.instansi, error=c.error)
            continue
        _record_departures(session, c, summary)
        if c.kind in ("unmapped", "no_officer"):
            detail = {"unmapped": "instansi has no OPD in mappings/officers.yaml",
                      "no_officer": "no named officer, deputy or head is in place; "
                                    "assignment kept"}[c.kind]
            add_issue(session, side="siasn", reason=f"siasn_{c.kind}", key=c.instansi,
                      detail=f"{c.instansi}: {detail}")
            summary.issues += 1
            if row is not None:
                row.checked_at = now
                session.add(row)
            if c.kind == "unmapped":
                for st in session.exec(select(SyncStateRow).where(
                        SyncStateRow.instansi == c.instansi,
                        SyncStateRow.officer_state == "pending")):
                    st.officer_state = "unmapped"
                    session.add(st)
            continue
        row = row or OfficerRow(instansi=c.instansi, unor_id=c.unor_id or "")
        row.nip, row.nama, row.unor_id, row.checked_at = c.nip, c.nama, c.unor_id or "", now
        row.jabatan = c.role
        session.add(row)
        officers[c.instansi] = row
        if c.kind != "transferred":
            continue
        moved = session.exec(select(SyncStateRow).where(SyncStateRow.instansi == c.instansi,
                                                        SyncStateRow.officer_nip == c.previous))
        for st in moved:
            _give(st, row)
            audit(session, st, "officer.transferred",
                  {"instansi": c.instansi, "unor": c.unor_id, "role": c.role,
                   "from": mask_nip(c.previous or ""), "to": mask_nip(c.nip or "")},
                  summary.run_id)
            summary.officers_transferred += 1
            touched.add(st.ticket_id)
        log.info("officer.transferred", instansi=c.instansi, role=c.role)
    return touched


def _assign_pending(session: Session, ids: list[int], summary: ReconcileSummary) -> set[int]:
    if not ids:
        return set()
    officers = {o.instansi: o for o in session.exec(select(OfficerRow))}
    touched: set[int] = set()
    for st in session.exec(select(SyncStateRow).where(col(SyncStateRow.ticket_id).in_(ids),
                                                      SyncStateRow.officer_state == "pending")):
        row = officers.get(st.instansi)
        if row is None or not row.nip:
            continue  # SIASN down or nobody in place yet: assignment waits for a later round
        _give(st, row)
        audit(session, st, "officer.assigned", {"instansi": st.instansi, "unor": row.unor_id,
                                                "nip": mask_nip(row.nip)}, summary.run_id)
        summary.officers_assigned += 1
        touched.add(st.ticket_id)
    return touched


def _give(st: SyncStateRow, row: OfficerRow) -> None:
    st.officer_state, st.officer_nip, st.officer_name = "assigned", row.nip, row.nama
    st.officer_unor = row.unor_id
    st.petugas_due, st.dirty = petugas_text(st), True
    st.updated_at = utcnow()
