"""Stored tickets as GeoReport v2 service requests, for the role asking (``hub.view`` rules).

Any channel's ticket is a service request of its city's jurisdiction: status ``open``/``closed``
follows what LAPOR! shows (``from_lapor`` of ``mappings/open311.yaml``), ``status_notes`` says
where the report stands in LAPOR!, ``agency_responsible`` is the instansi and ``service_notice``
and ``expected_datetime`` come from the SLA rules. Reporter identity has no field here at all;
a rahasia ticket shown to oversight keeps only its route, status and dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from hub.core.models import LaporStatus
from hub.ledger.open311_state import Open311Status, read_statuses
from hub.ledger.tables import SendState, as_utc
from hub.mapping.engine import ChannelMapping
from hub.open311.catalog import CHANNEL, Catalog, Jurisdiction
from hub.privacy.masking import scrub_text
from hub.sla.engine import OPEN, evaluate
from hub.sla.rules import SlaRules
from hub.view.access import WITHHELD, content_withheld, visible
from hub.view.apikeys import Role
from hub.view.records import TicketRecord, get_record, scan

STORED_AFTER = timedelta(days=1)  # clock skew allowed between a channel and the hub
NOTES = {
    LaporStatus.belum_terverifikasi: "waiting for verification by SP4N-LAPOR!",
    LaporStatus.terverifikasi: "verified by SP4N-LAPOR! and forwarded to {instansi}",
    LaporStatus.tindak_lanjut: "{instansi} is following it up",
    LaporStatus.ditunda: "on hold at {instansi}",
    LaporStatus.selesai: "resolved by {instansi}",
    LaporStatus.bukan_wewenang: "closed by SP4N-LAPOR!: not within the authority of {instansi}",
    LaporStatus.diarsipkan: "archived by SP4N-LAPOR!",
}


@dataclass
class RequestFilter:
    ids: set[int] | None = None  # service_request_id list: overrides every other filter
    codes: set[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: set[str] | None = None
    limit: int = 1000


def status_notes(record: TicketRecord, followed: Open311Status | None, hidden: bool) -> str:
    """Where the report stands in LAPOR!; LAPOR!'s own latest follow-up text when the two-way
    sync brought one back (an Open311 request), never for a caller who may not see content."""
    if record.state is SendState.quarantined:
        return "held by lapor-hub for review before it goes to SP4N-LAPOR!"
    if record.tracking_id is None:
        return "received by lapor-hub; on its way to SP4N-LAPOR!"
    text = NOTES[record.lapor_status].format(
        instansi=record.ticket.instansi or "the agency LAPOR! assigns")
    if followed is not None and followed.notes and not hidden:
        text = scrub_text(followed.notes[-1])
    return f"SP4N-LAPOR! {record.tracking_id}: {text}"


def service_notice(rules: SlaRules, channel: str, sla_class: str | None = None) -> str:
    rule = rules.for_channel(channel)
    stages = "; ".join(f"{s.label} within {s.span_for(sla_class)}"
                       for s in rule.stages if s.compliance)
    return f"{rule.description}: {stages}"


class RequestView:
    def __init__(self, engine: Engine, catalog: Catalog, open311: ChannelMapping,
                 rules: SlaRules) -> None:
        self.engine, self.catalog, self.mapping, self.rules = engine, catalog, open311, rules

    def open_or_closed(self, record: TicketRecord) -> str:
        return self.mapping.status.from_lapor.get(record.lapor_status, "open")

    def _in(self, juris: Jurisdiction, record: TicketRecord) -> str | None:
        """The record's service code when it belongs to ``juris``, else None."""
        t = record.ticket
        code = self.catalog.code_for(record.channel, t)
        if code is None or code not in juris.services:
            return None
        return code

    def as_request(self, role: Role, record: TicketRecord, code: str, now: datetime,
                   followed: Open311Status | None = None) -> dict[str, Any]:
        t, role_hidden = record.ticket, content_withheld(role, record)
        service = self.catalog.services[code]
        sla = evaluate(record.facts(), self.rules, now)
        due = next((s.deadline for s in sla.stages if s.compliance and s.state in OPEN), None)
        local = self.rules.calendar.local
        moments = [as_utc(t.diperbarui), record.sync.lapor_status_at,
                   followed.updated_at if followed else None]
        updated = max(m for m in moments if m is not None)
        return {
            "service_request_id": str(record.id),
            "status": followed.status if followed else self.open_or_closed(record),
            "status_notes": status_notes(record, followed, role_hidden),
            "service_name": service.name,
            "service_code": code,
            "description": WITHHELD if role_hidden else scrub_text(t.isi),
            "agency_responsible": t.instansi or "",
            "service_notice": service_notice(self.rules, record.channel, t.sla_class),
            "requested_datetime": local(as_utc(t.dibuat)).isoformat(timespec="seconds"),
            "updated_datetime": local(updated).isoformat(timespec="seconds"),
            "expected_datetime": local(due).isoformat(timespec="seconds") if due else None,
            "address": None if role_hidden else t.lokasi,
            "address_id": None,
            "zipcode": None,
            "lat": None if role_hidden else t.lat,
            "long": None if role_hidden else t.lng,
            "media_url": None if role_hidden or not t.lampiran else t.lampiran[0],
        }

    def one(self, role: Role, juris: Jurisdiction, ticket_id: int,
            now: datetime) -> dict[str, Any] | None:
        record = get_record(self.engine, ticket_id)
        if record is None or not visible(role, record):
            return None
        code = self._in(juris, record)
        if code is None:
            return None
        return self.as_request(role, record, code, now, self._followed([record]).get(record.id))

    def many(self, role: Role, juris: Jurisdiction, flt: RequestFilter,
             now: datetime) -> list[dict[str, Any]]:
        found: list[tuple[TicketRecord, str]] = []
        for pair in self._matching(role, juris, flt):
            found.append(pair)
            if len(found) >= flt.limit:
                break
        followed = self._followed([record for record, _ in found])
        return [self.as_request(role, record, code, now, followed.get(record.id))
                for record, code in found]

    def _followed(self, records: list[TicketRecord]) -> dict[int, Open311Status]:
        """The Open311 side's state of the requests filed over Open311, by ledger id."""
        ids = {r.source_id: r.id for r in records if r.channel == CHANNEL}
        states = read_statuses(self.engine, list(ids))
        return {ids[token]: state for token, state in states.items()}

    def _matching(self, role: Role, juris: Jurisdiction,
                  flt: RequestFilter) -> Iterator[tuple[TicketRecord, str]]:
        channels = [*juris.channels, CHANNEL]
        if flt.ids is not None:
            records = (get_record(self.engine, i) for i in sorted(flt.ids, reverse=True))
            for found in records:
                code = self._in(juris, found) if found and visible(role, found) else None
                if found is not None and code is not None:
                    yield found, code
            return
        for record in scan(self.engine, channels=channels):
            created = as_utc(record.ticket.dibuat)
            if flt.start is not None and record.created_at < flt.start - STORED_AFTER:
                # Newest first by ledger id: a report is made before the hub stores it, so
                # rows stored before the window (less clock skew) hold no report inside it.
                return
            if flt.end is not None and created > flt.end:
                continue
            if flt.start is not None and created < flt.start:
                continue  # ids follow storing, not creation: a newer row may be an older report
            if not visible(role, record):
                continue
            code = self._in(juris, record)
            if code is None or (flt.codes is not None and code not in flt.codes):
                continue
            if flt.statuses is not None and self.open_or_closed(record) not in flt.statuses:
                continue
            yield record, code
