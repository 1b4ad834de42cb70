"""Channels a city already forwards into LAPOR! (``LAPOR_HUB_<CHANNEL>__FILED_BY=city``).

The hub never POSTs such a channel's tickets. It claims them like a push would (so two runs
never work on one ticket) and looks for the city's report instead:

1. by the channel's reference, ``GET /laporan?sumber=&ref_eksternal=`` (the city's link may
   set it): found → adopted;
2. otherwise among the reports created around the ticket's time (``GET /laporan/cari``,
   assumed), by the stated match of ``hub.sync.adopt_match``. Reports some ticket already holds
   and reports carrying another reference of the hub's channels are no candidates;
3. a confident match → adopted (``ticket.adopted``, the ticket linked to that tracking id); a
   doubtful one (below ``adopt_score`` or two close together, or two tickets wanting one report)
   → quarantined ``adoption_doubtful`` with the candidates' tracking ids and scores; nothing yet
   → the ticket waits ``recheck_s`` (``awaiting_city``: the link may lag) until ``deadline_s``
   after the hub stored it, then quarantined ``adoption_not_found`` so a human decides.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.errors import ConnectorError
from connectors.lapor_api import LaporApi, LaporFound
from hub.core.clients import Transports, lapor_client
from hub.core.settings import AdoptionSettings, Settings
from hub.ledger import holders
from hub.ledger.adoption import Adopted, held_tracking_ids, record_adoptions
from hub.ledger.claims import Claimed, Outcome, Quarantine, Retry, claim_batch, record_outcomes
from hub.ledger.tables import TicketRow, as_utc, utcnow
from hub.mapping.engine import ChannelMapping
from hub.sync.adopt_match import Candidate, MatchRule, Probe, Score, decide, describe
from hub.sync.lease import holding
from hub.sync.origin import report_from_origin

log = structlog.get_logger(__name__)
AWAITING = "awaiting_city: the city's report is not in LAPOR! yet"


@dataclass
class AdoptCounts:
    claimed: int = 0
    adopted: int = 0  # by reference or by a confident match
    by_reference: int = 0
    awaiting_city: int = 0
    doubtful: int = 0
    not_found: int = 0
    retried: int = 0  # LAPOR! could not be asked now

    def add(self, other: AdoptCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def rule_of(s: AdoptionSettings) -> MatchRule:
    return MatchRule(adopt_score=s.adopt_score, doubt_score=s.doubt_score, margin=s.margin,
                     window_before_s=s.window_before_s, window_after_s=s.window_after_s,
                     max_distance_m=s.max_distance_m)


def _probe(c: Claimed) -> Probe:
    t = c.ticket
    return Probe(isi=t.isi, dibuat=as_utc(t.dibuat), kelurahan=t.kelurahan,
                 kecamatan=t.kecamatan, lat=t.lat, lng=t.lng)


def _candidate(f: LaporFound) -> Candidate:
    return Candidate(f.tracking_id, f.isi or f.judul, as_utc(f.dibuat), f.lokasi, f.lat, f.lng)


def _merged(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping windows as one search each: a backlog costs a few searches, not one each."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class Adopter:
    def __init__(self, engine: Engine, lapor: LaporApi, mappings: dict[str, ChannelMapping],
                 settings: AdoptionSettings, concurrency: int = 8) -> None:
        self._engine, self._lapor, self._mappings = engine, lapor, mappings
        self._settings, self._rule = settings, rule_of(settings)
        self._gate = asyncio.Semaphore(concurrency)
        # A reference of one of the hub's own channels is matched by reference only.
        self._own_sumber = {m.sumber for m in mappings.values()}

    async def settle(self, claimed: list[Claimed], run_id: str | None) -> dict[str, AdoptCounts]:
        """Adopt, park or quarantine each claimed ticket; counts per channel."""
        counts: dict[str, AdoptCounts] = {}
        for c in claimed:
            counts.setdefault(c.ticket.channel, AdoptCounts()).claimed += 1
        adopted: list[Adopted] = []
        waits: list[Outcome] = []
        by_ref = await asyncio.gather(*(self._by_reference(c) for c in claimed))
        taken = held_tracking_ids(self._engine, [a.tracking_id for a in by_ref
                                                 if isinstance(a, Adopted)])
        rest: list[Claimed] = []
        for c, found in zip(claimed, by_ref, strict=True):
            n = counts[c.ticket.channel]
            if isinstance(found, Retry):
                waits.append(found)
                n.retried += 1
            elif found is None:
                rest.append(c)
            elif found.tracking_id in taken:
                n.doubtful += 1
                waits.append(Quarantine(c.id, "push", "adoption_doubtful",
                                        f"{found.tracking_id} carries this ticket's reference "
                                        "but another ticket holds it already"))
            else:
                adopted.append(found)
                n.by_reference += 1
        if rest:
            await self._by_match(rest, adopted, waits, counts)
        token = claimed[0].token if claimed else ""
        record_adoptions(self._engine, token, adopted, run_id)
        record_outcomes(self._engine, token, waits, run_id)
        channel_of = {c.id: c.ticket.channel for c in claimed}
        for a in adopted:
            counts[channel_of[a.id]].adopted += 1
            log.info("ticket.adopted", channel=channel_of[a.id], tracking_id=a.tracking_id,
                     how=a.how, confidence=a.confidence)
        return counts

    async def _by_reference(self, c: Claimed) -> Adopted | Retry | None:
        if not self._lapor.capabilities.lookup_by_origin:
            return None  # e.g. the legacy XML API: only a search can find the city's report
        sumber = self._mappings[c.ticket.channel].sumber
        async with self._gate:
            try:
                first = await report_from_origin(self._lapor, sumber, c.ticket)
            except ConnectorError as exc:
                return self._retry(c, f"lookup failed: {exc}")
        if first is None:
            return None
        return Adopted(c.id, first.tracking_id, first.transaksi_id, first.status, "reference", 1.0)

    async def _by_match(self, rest: list[Claimed], adopted: list[Adopted],
                        waits: list[Outcome],
                        counts: dict[str, AdoptCounts]) -> None:
        if not self._lapor.capabilities.search:
            adapter = self._lapor.capabilities.adapter
            for c in rest:  # never faked and never filed by the hub: a person decides
                waits.append(Quarantine(
                    c.id, "push", "adoption_unavailable",
                    f"LAPOR! adapter {adapter} cannot search reports, and no report carries this "
                    "ticket's reference: link it by hand, or use an adapter that can search"))
                counts[c.ticket.channel].not_found += 1
            return
        windows = _merged([self._rule.window(_probe(c).dibuat) for c in rest])
        found: dict[str, LaporFound] = {}
        try:
            for start, end in windows:
                for f in await self._lapor.search_reports(sejak=start, sampai=end):
                    found[f.tracking_id] = f
        except ConnectorError as exc:
            for c in rest:
                waits.append(self._retry(c, f"search failed: {exc}"))
                counts[c.ticket.channel].retried += 1
            return
        held = held_tracking_ids(self._engine, found) | {a.tracking_id for a in adopted}
        pool = [_candidate(f) for f in found.values() if f.tracking_id not in held
                and not (f.sumber in self._own_sumber and f.ref_eksternal)]
        decisions = {c.id: decide(_probe(c), pool, self._rule) for c in rest}
        # One report, two tickets wanting it: the clearly better one takes it and the other
        # waits; without a clear lead both are doubtful.
        wanted: dict[str, list[tuple[Score, Claimed]]] = {}
        for c in rest:
            d = decisions[c.id]
            if d.kind == "adopt" and d.best is not None:
                wanted.setdefault(d.best.tracking_id, []).append((d.best, c))
        winners: dict[int, Score] = {}
        lost: set[int] = set()
        contested: set[int] = set()
        for claims in wanted.values():
            claims.sort(key=lambda sc: -sc[0].confidence)
            second = claims[1][0].confidence if len(claims) > 1 else 0.0
            if claims[0][0].confidence - second >= self._rule.margin:
                winners[claims[0][1].id] = claims[0][0]
                lost |= {c.id for _, c in claims[1:]}
            else:
                contested |= {c.id for _, c in claims}
        # A ticket one of whose candidates another ticket just took decides again next run,
        # when that report is no candidate any more.
        won = {w.tracking_id for w in winners.values()}
        lost |= {c.id for c in rest if c.id not in winners and c.id not in contested
                 and any(sc.tracking_id in won for sc in decisions[c.id].scores)}
        by_tid = {f.tracking_id: f for f in found.values()}
        now = utcnow()
        stored = _stored_at(self._engine, [c.id for c in rest])
        for c in rest:
            d, n = decisions[c.id], counts[c.ticket.channel]
            if c.id in winners:
                f = by_tid[winners[c.id].tracking_id]
                adopted.append(Adopted(c.id, f.tracking_id, f.transaksi_id, f.status, "match",
                                       winners[c.id].confidence))
            elif c.id in contested or (d.kind == "doubtful" and c.id not in lost):
                n.doubtful += 1
                why = "another ticket matches the same report as well; " if c.id in contested \
                    else ""
                waits.append(Quarantine(c.id, "push", "adoption_doubtful",
                                        why + self._doubt(d.scores)))
            elif c.id not in lost and now - stored.get(c.id, now) >= timedelta(
                    seconds=self._settings.deadline_s):
                n.not_found += 1
                waits.append(Quarantine(
                    c.id, "push", "adoption_not_found",
                    f"no report of the city's link found in LAPOR! within "
                    f"{self._settings.deadline_s:.0f} s of storing the ticket; the hub files "
                    "nothing itself: link it or file it by hand"))
            else:
                n.awaiting_city += 1
                waits.append(self._retry(c, AWAITING))

    def _doubt(self, scores: list[Score]) -> str:
        rule = self._rule
        best = scores[0].confidence if scores else 0.0
        if best < rule.adopt_score:
            why = f"best {best:.2f} below {rule.adopt_score:.2f}; "
        elif len(scores) > 1 and best - scores[1].confidence < rule.margin:
            why = f"candidates within {rule.margin:.2f} of each other; "
        else:
            why = ""
        return f"{why}candidates (tracking id, confidence): {describe(scores)}"

    def _retry(self, c: Claimed, error: str) -> Retry:
        return Retry(c.id, error, utcnow() + timedelta(seconds=self._settings.recheck_s), False)


def _stored_at(engine: Engine, ids: list[int]) -> dict[int, datetime]:
    with Session(engine) as session:
        return {i: as_utc(at) for i, at in session.exec(
            select(TicketRow.id, TicketRow.created_at).where(col(TicketRow.id).in_(ids)))
            if i is not None}


def city_filed(settings: Settings, channels: list[str]) -> list[str]:
    return [c for c in channels if settings.filed_by(c) == "city"]


async def adopt_batch(engine: Engine, settings: Settings, mappings: dict[str, ChannelMapping],
                      channels: list[str], run_id: str | None = None,
                      transports: Transports | None = None, flow_run_id: str | None = None,
                      due_by: datetime | None = None) -> dict[str, AdoptCounts]:
    """Settle up to one batch of due tickets of channels the city files; empty when none due.

    Claimed like a push (one group at a time, under a holder with a heartbeat), so a second run
    never works on the same ticket; nothing is ever POSTed. ``due_by``: only tickets due by then
    (a caller looping until nothing is due sees each ticket once).
    """
    names = city_filed(settings, channels)
    if not names:
        return {}
    token, lease = uuid.uuid4().hex, settings.sending_lease_s
    group = max(settings.push_concurrency * 4, 1)
    holders.release_gone(engine)
    totals: dict[str, AdoptCounts] = {}
    lost: list[str] = []  # a lapsed lease: claim no more (writes check the token anyway)
    async with holding(engine, token, lease_s=lease, run_id=run_id, flow_run_id=flow_run_id,
                       on_lost=lost.append):
        left = settings.push_batch_size
        claimed = claim_batch(engine, token=token, lease_s=lease, channels=names,
                              limit=min(group, left), held=True, now=due_by)
        if not claimed:
            return totals
        async with lapor_client(settings, transports) as lapor:
            adopter = Adopter(engine, lapor, mappings, settings.adoption)
            while claimed:
                left -= len(claimed)
                for channel, counts in (await adopter.settle(claimed, run_id)).items():
                    totals.setdefault(channel, AdoptCounts()).add(counts)
                if left <= 0 or lost:
                    break
                claimed = claim_batch(engine, token=token, lease_s=lease, channels=names,
                                      limit=min(group, left), held=True, now=due_by)
    return totals
