"""The tickets page: the API's filters plus channel status and free text, three orders, paging.

Rows come from ``hub.view`` as the role sees them (``iter_visible`` + ``summarize``); free text is
matched against those rows only, so a search can never find a ticket by a field the role may not
read (a rahasia title, a reporter's name). Newest first pages by ledger id with the API's opaque
cursors and stops after one page; the other two orders need the whole filtered set, sorted, and
page by the id of the last row shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from hub.api import cursor as cursors
from hub.console.cache import Kept
from hub.core.models import LaporStatus
from hub.sla.engine import OPEN, SlaState
from hub.sla.rules import SlaRules
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, RoleKind
from hub.view.period import parse_period
from hub.view.tickets import TicketFilter, TicketSummary, iter_visible, summarize

PAGE = 50


class Sort(StrEnum):
    new = "new"
    age = "age"
    sla = "sla"


class ListQuery(BaseModel):
    channel: str | None = None
    instansi: str | None = None
    lapor_status: LaporStatus | None = None
    channel_status: str | None = None
    sla: SlaState | None = None
    date_from: str | None = None
    date_to: str | None = None
    q: str | None = None
    sort: Sort = Sort.new

    def ticket_filter(self, hub: Hub, role: Role) -> TicketFilter:
        """The API's filter; raises ValueError (a PeriodError) with a message to show."""
        if self.channel and self.channel not in hub.mappings:
            raise ValueError(f"unknown channel {self.channel}")
        instansi = self.instansi
        if role.kind is RoleKind.agency:
            instansi = role.instansi  # an agency's list is its own whatever the form says
        first, last = parse_period(None, self.date_from or None, self.date_to or None)
        return TicketFilter(channel=[self.channel] if self.channel else None, instansi=instansi,
                            status=self.lapor_status, sla=self.sla, date_from=first,
                            date_to=last)


class Page(BaseModel):
    items: list[TicketSummary]
    next_cursor: str | None


def _text_hit(item: TicketSummary, needle: str) -> bool:
    fields = (item.judul, item.source_id, item.tracking_id or "", item.kategori, item.instansi,
              item.petugas or "", item.channel_status)
    return any(needle in f.casefold() for f in fields)


def rows(hub: Hub, role: Role, query: ListQuery, rules: SlaRules, now: datetime,
         before_id: int | None = None) -> Iterator[TicketSummary]:
    flt = query.ticket_filter(hub, role)
    needle = (query.q or "").strip().casefold()
    for record, sla in iter_visible(hub.engine, role, flt, rules, now, before_id):
        item = summarize(role, record, sla)
        if query.channel_status and item.channel_status != query.channel_status:
            continue
        if needle and not _text_hit(item, needle):
            continue
        yield item


def _time_left_key(item: TicketSummary) -> tuple[int, float, int]:
    """Least time left first: late (most overrun first), then open by deadline, then closed."""
    if item.sla_state is SlaState.late:
        return (0, -item.sla_overrun, item.id)
    if item.sla_state in OPEN and item.sla_deadline is not None:
        return (1, item.sla_deadline.timestamp(), item.id)
    return (2, 0.0, item.id)


def fingerprint(role: Role, query: ListQuery) -> str:
    return cursors.fingerprint("console", str(role), query.model_dump_json())


def sorted_rows(hub: Hub, role: Role, query: ListQuery, rules: SlaRules,
                now: datetime) -> list[TicketSummary]:
    every = list(rows(hub, role, query, rules, now))
    if query.sort is Sort.age:
        every.sort(key=lambda i: (i.dibuat, i.id))
    else:
        every.sort(key=_time_left_key)
    return every


def page(hub: Hub, role: Role, query: ListQuery, rules: SlaRules, now: datetime,
         cursor: str | None, kept: Kept[list[TicketSummary]] | None = None,
         limit: int = PAGE) -> Page:
    """Raises ``cursors.CursorError`` for a cursor of another query or role. The sorted orders
    are kept in ``kept`` while the ledger is unchanged, so paging through them is cheap."""
    bound = fingerprint(role, query)
    after = cursors.decode(cursor, bound) if cursor else None
    if query.sort is Sort.new:
        items: list[TicketSummary] = []
        for item in rows(hub, role, query, rules, now, before_id=after):
            if len(items) == limit:
                return Page(items=items, next_cursor=cursors.encode(items[-1].id, bound))
            items.append(item)
        return Page(items=items, next_cursor=None)
    def compute() -> list[TicketSummary]:
        return sorted_rows(hub, role, query, rules, now)

    every = kept.get(hub.engine, bound, compute) if kept is not None else compute()
    start = 0
    if after is not None:
        start = next((n + 1 for n, i in enumerate(every) if i.id == after), len(every))
    chunk = every[start:start + limit]
    more = start + limit < len(every)
    return Page(items=chunk, next_cursor=cursors.encode(chunk[-1].id, bound) if more else None)
