"""Finding the report LAPOR! already holds for a ticket, by the ticket's origin (its channel's
``sumber`` and the channel's own id): how a push recovers after an ambiguous write, and how a
city-filed ticket is adopted when the city's link set the reference."""

from __future__ import annotations

import structlog

from connectors.lapor_api import LaporApi, LaporReportRef
from hub.core.models import Ticket

log = structlog.get_logger(__name__)


async def report_from_origin(lapor: LaporApi, sumber: str,
                             ticket: Ticket) -> LaporReportRef | None:
    """The oldest report from this origin, None when LAPOR! holds none; more than one is logged
    (LAPOR! does not deduplicate). ``ConnectorError`` when LAPOR! cannot be asked."""
    refs = await lapor.find_reports(sumber=sumber, ref_eksternal=ticket.source_id)
    if len(refs) > 1:
        log.warning("ticket.duplicate_in_lapor", channel=ticket.channel,
                    source_id=ticket.source_id, count=len(refs))
    return refs[0] if refs else None
