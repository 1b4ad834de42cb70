"""Canonical ticket → the body SP4N-LAPOR! receives. The one place identity leaves the hub."""

from __future__ import annotations

from typing import Literal

from connectors.lapor_api import LaporPelapor, LaporReportIn
from hub.core.models import IdentityStatus, Ticket
from hub.identity.dukcapil import IdentityOutcome

Anonymity = Literal["withheld", "public_only"]


def _place(ticket: Ticket) -> str | None:
    parts = [ticket.lokasi, ticket.kelurahan and f"Kel. {ticket.kelurahan}",
             ticket.kecamatan and f"Kec. {ticket.kecamatan}"]
    joined = ", ".join(p for p in parts if p)
    return joined or None


def build_report(ticket: Ticket, sumber: str, identity: IdentityOutcome,
                 anonymity: Anonymity = "withheld") -> LaporReportIn:
    pelapor = None
    # Anonymous: no identity at all, not even a partial one — unless the channel's anonymity is
    # "hidden from the public only" (``public_only``): then it goes with ``anonim`` set, as
    # LAPOR!'s own form sends it. Confidential (rahasia) reports keep the identity — LAPOR!
    # needs it to answer — and carry the flag so LAPOR! hides it publicly.
    if ticket.pelapor is not None and (not ticket.anonim or anonymity == "public_only"):
        who = ticket.pelapor
        pelapor = LaporPelapor(
            nama=who.nama or "(tanpa nama)",
            nik=who.nik,
            email=who.email,
            telepon=who.telepon,
            terverifikasi=identity.status == IdentityStatus.verified,
        )
    return LaporReportIn(
        judul=ticket.judul,
        isi=ticket.isi,
        klasifikasi=ticket.klasifikasi.value,
        kategori=ticket.kategori,
        instansi_tujuan=ticket.instansi,
        lokasi=_place(ticket),
        lat=ticket.lat,
        lng=ticket.lng,
        tanggal_kejadian=ticket.tanggal_kejadian,
        rahasia=ticket.rahasia,
        anonim=ticket.anonim,
        pelapor=pelapor,
        sumber=sumber,
        ref_eksternal=ticket.source_id,
        lampiran=list(ticket.lampiran),
    )
