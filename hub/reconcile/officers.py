"""Responsible officers from Simpeg/SIASN: one per instansi, followed through transfers.

Each instansi's officer is the holder of the complaint post in its SIASN unit
(``mappings/officers.yaml``). Every ``officer_check_s`` the hub asks SIASN where that officer
sits now; if they left the unit (or the post), the next holder of the post in the *original*
unit takes over, and so do their tickets: the change is in the ledger and goes to LAPOR! as
``petugas``. Work per round is one or two SIASN calls per instansi plus the tickets that change
hands, never a pass over all tickets. SIASN down: assignment waits, the sync goes on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlmodel import Session, col, select

from connectors.errors import ConnectorError
from connectors.siasn import SiasnClient
from hub.core.clients import http_kwargs
from hub.ledger.sync_io import add_issue, audit
from hub.ledger.sync_state import OfficerRow, SyncStateRow
from hub.ledger.tables import as_utc, utcnow
from hub.privacy.masking import mask_nip
from hub.reconcile.officers_file import OfficersFile, load_officers

if TYPE_CHECKING:
    from hub.reconcile.summary import ReconcileSummary
    from hub.sync.pipeline import Hub

log = structlog.get_logger(__name__)
PENDING_LIMIT = 5000


@dataclass(frozen=True)
class Check:
    instansi: str
    kind: str  # same | new | transferred | unmapped | no_unit | no_officer | error
    nip: str | None = None
    nama: str | None = None
    unor_id: str | None = None
    previous: str | None = None
    error: str | None = None


def petugas_text(st: SyncStateRow) -> str:
    return f"{st.officer_name} (NIP {st.officer_nip}), {st.instansi}"


async def _check(siasn: SiasnClient, instansi: str, row: OfficerRow | None,
                 units: OfficersFile) -> Check:
    spec = units.units.get(instansi)
    if spec is None:
        return Check(instansi, "unmapped")
    post = units.post_of(instansi)
    if row is not None and row.nip:
        person = await siasn.pegawai(row.nip)
        if person.unor_id is None:
            return Check(instansi, "no_unit", row.nip, row.nama, spec.unor_id)
        if person.unor_id == spec.unor_id and person.jabatan == post:
            return Check(instansi, "same", row.nip, row.nama, spec.unor_id)
    members = await siasn.anggota_unor(spec.unor_id)
    holders = sorted((m for m in members if m.jabatan == post and
                      (row is None or m.nip != row.nip)), key=lambda m: m.nip)
    if not holders:
        return Check(instansi, "no_officer", unor_id=spec.unor_id)
    kind = "transferred" if row is not None and row.nip else "new"
    return Check(instansi, kind, holders[0].nip, holders[0].nama, spec.unor_id,
                 previous=row.nip if row else None)


async def assign_officers(hub: Hub, summary: ReconcileSummary) -> set[int]:
    """Check officers that are due, follow transfers, assign pending tickets; ids touched."""
    system = hub.settings.siasn
    if system.client_secret is None:
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
        limit = asyncio.Semaphore(8)
        kwargs = http_kwargs(system, "siasn", hub.transports)
        async with SiasnClient(client_id=system.client_id, client_secret=system.client_secret,
                               **kwargs) as siasn:

            async def one(instansi: str) -> Check:
                async with limit:
                    try:
                        return await _check(siasn, instansi, officers.get(instansi), units)
                    except ConnectorError as exc:
                        return Check(instansi, "error", error=str(exc))

            checks = list(await asyncio.gather(*(one(i) for i in due)))
    with Session(hub.engine) as session:
        touched = _apply(session, checks, officers, summary)
        touched |= _assign_pending(session, [p.ticket_id for p in pending], summary)
        session.commit()
    return touched


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
        if c.kind in ("unmapped", "no_unit", "no_officer"):
            detail = {"unmapped": "instansi has no unit in mappings/officers.yaml",
                      "no_unit": "the officer's SIASN record has no unit; assignment kept",
                      "no_officer": "nobody holds the complaint post in the unit"}[c.kind]
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
        session.add(row)
        officers[c.instansi] = row
        if c.kind != "transferred":
            continue
        moved = session.exec(select(SyncStateRow).where(SyncStateRow.instansi == c.instansi,
                                                        SyncStateRow.officer_nip == c.previous))
        for st in moved:
            _give(st, row)
            audit(session, st, "officer.transferred",
                  {"instansi": c.instansi, "unor": c.unor_id, "from": mask_nip(c.previous or ""),
                   "to": mask_nip(c.nip or "")}, summary.run_id)
            summary.officers_transferred += 1
            touched.add(st.ticket_id)
        log.info("officer.transferred", instansi=c.instansi)
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
            continue  # SIASN down or no holder yet: assignment waits for a later round
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
