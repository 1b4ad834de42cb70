"""A small ledger for read-side tests: tickets of two channels, several agencies, one of each kind
(plain, rahasia, anonim, answered, skipped), and an API key per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.core.models import LaporStatus, Reporter, Ticket
from hub.ledger.ingest import Mapped, Skipped, ingest_page
from hub.ledger.tables import TicketRow
from hub.view.apikeys import Role, create_key
from tests.hub.factories import NAME, NIK, PHONE, ticket

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=WIB)  # a Tuesday


def make(n: int, channel: str, instansi: str, dibuat: datetime, **update: object) -> Ticket:
    base = ticket(n, channel=channel)
    fields: dict[str, object] = {"instansi": instansi, "dibuat": dibuat, "diperbarui": dibuat,
                                 "source_id": f"{channel.upper()}-{n}", "judul": f"Aduan {n}"}
    fields.update(update)
    return base.model_copy(update=fields)


@dataclass
class Seeded:
    ids: dict[str, int]
    keys: dict[str, str]


def seed(engine: Engine) -> Seeded:
    d = lambda day, hour=9: datetime(2026, 10, day, hour, tzinfo=WIB)  # noqa: E731
    tickets = {
        "plain": make(1, "sikesal", "DPUPR-KOTA-JAMBI", d(5), sla_class="darurat"),
        "rahasia": make(2, "sikesal", "DLH-KOTA-JAMBI", d(6), sla_class="biasa", rahasia=True),
        "anonim": make(3, "sambat", "DLH-KOTA-MALANG", d(7), anonim=True, pelapor=None),
        "answered": make(4, "sambat", "DLH-KOTA-MALANG", d(8), status=LaporStatus.tindak_lanjut,
                         diperbarui=d(9), pelapor=Reporter(nama=NAME, telepon=PHONE)),
        "september": make(5, "sikesal", "DPUPR-KOTA-JAMBI", datetime(2026, 9, 30, 9, tzinfo=WIB),
                          sla_class="penting", status=LaporStatus.selesai),
    }
    for channel in ("sikesal", "sambat"):
        mapped = [Mapped(t, {"id": t.source_id}) for t in tickets.values() if t.channel == channel]
        ingest_page(engine, channel, mapped, [], resume_token=None, run_id=f"run-{channel}",
                    skipped=[Skipped(f"SKIP-{channel}", "1", "prank", {})])
    with Session(engine) as session:
        by_source = {r.source_id: r.id for r in session.exec(select(TicketRow))}
    ids = {k: int(by_source[t.source_id] or 0) for k, t in tickets.items()}
    roles = {"oversight": "oversight", "integrator": "integrator",
             "jambi_dlh": "agency:DLH-KOTA-JAMBI", "jambi_pupr": "agency:DPUPR-KOTA-JAMBI",
             "malang_dlh": "agency:DLH-KOTA-MALANG"}
    keys = {name: create_key(engine, Role.parse(role)) for name, role in roles.items()}
    return Seeded(ids, keys)


PII = (NAME, NIK, PHONE)
