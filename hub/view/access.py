"""Who sees what. The one place the role rules live; the API and the report only call these.

- ``oversight``: every channel and agency; reporter identity masked (``B*** S***``,
  ``0812******90``); rahasia tickets listed, their content and identity withheld.
- ``agency:<instansi>``: only tickets whose instansi is its own, in full, with the reporter's
  contact unless anonim (NIK always masked); its own rahasia tickets in full.
- ``integrator``: operational fields of every ticket, never reporter identity; rahasia tickets
  never listed; runs and quarantine.

Oversight keeps rahasia tickets in its lists so compliance figures stay whole, but a confidential
report's content is for the agency that must act on it (Perpres 76/2013 protects the reporter).
A ticket a role may not see is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from hub.core.models import Reporter
from hub.privacy.masking import mask_email, mask_name, mask_nik, mask_nip, mask_phone
from hub.view.apikeys import Role, RoleKind
from hub.view.records import TicketRecord

WITHHELD = "[rahasia]"


def visible(role: Role, record: TicketRecord) -> bool:
    if role.kind is RoleKind.agency:
        return record.ticket.instansi == role.instansi
    if role.kind is RoleKind.integrator:
        return not record.ticket.rahasia
    return True


def content_withheld(role: Role, record: TicketRecord) -> bool:
    """Title, text and place of a rahasia ticket are for the owning agency only."""
    return record.ticket.rahasia and role.kind is not RoleKind.agency


def reporter_for(role: Role, record: TicketRecord) -> Reporter | None:
    t = record.ticket
    p = t.pelapor
    if p is None or t.anonim or role.kind is RoleKind.integrator or content_withheld(role, record):
        return None
    nik = mask_nik(p.nik) if p.nik else None
    nip = mask_nip(p.nip) if p.nip else None
    if role.kind is RoleKind.agency:  # contact, so the agency can reach the reporter
        return Reporter(nama=p.nama, nik=nik, nip=nip, telepon=p.telepon, email=p.email)
    return Reporter(nama=mask_name(p.nama) if p.nama else None, nik=nik, nip=nip,
                    telepon=mask_phone(p.telepon) if p.telepon else None,
                    email=mask_email(p.email) if p.email else None)
