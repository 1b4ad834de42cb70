"""Exactly-once push of claimed tickets to SP4N-LAPOR!, which does not deduplicate.

Per ticket: if a POST may already have reached LAPOR! (``needs_lookup``), ask
``GET /laporan?sumber=&ref_eksternal=`` first; otherwise resolve identity, POST, and on an
ambiguous failure (timeout, 5xx or dropped connection after sending) look up before posting
again. Outcomes are written a group at a time; a crash in between leaves rows in ``sending``,
which the next claim resolves by lookup, so no path posts a ticket LAPOR! already holds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from pydantic import ValidationError
from sqlalchemy import Engine

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectorError,
    FatalError,
    InvalidRequest,
    RetriableError,
)
from connectors.lapor_api import LaporApi
from hub.identity.dukcapil import IdentityOutcome, IdentityResolver
from hub.ledger.claims import Claimed, Outcome, Quarantine, Retry, Sent, record_outcomes
from hub.ledger.tables import utcnow
from hub.mapping.engine import ChannelMapping
from hub.privacy.masking import register_names
from hub.sync.lapor_report import build_report
from hub.sync.origin import report_from_origin

log = structlog.get_logger(__name__)


AMBIGUOUS_PARKED = "ambiguous_write"
PARKED_DETAIL = ("a POST may have reached LAPOR! and this LAPOR! adapter cannot look reports up "
                 "by origin: not sent again. Search LAPOR!'s admin for the text "
                 "'[lapor-hub <sumber> <source id>]'; a replay looks it up first (it is parked "
                 "again until an adapter that can look up is configured)")


class PushAborted(RuntimeError):
    """LAPOR! refuses the hub itself (credentials): pushing more would only fail the same way."""


@dataclass
class PushCounts:
    claimed: int = 0
    sent: int = 0
    recovered: int = 0
    retried: int = 0
    quarantined: int = 0
    # Of sent and recovered: reports that went without instansi_tujuan (LAPOR!'s admins route).
    unrouted: int = 0

    def add(self, other: PushCounts) -> None:
        for name in ("claimed", "sent", "recovered", "retried", "quarantined", "unrouted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class PushPolicy:
    concurrency: int = 32
    max_attempts: int = 8
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    lookup_delay_s: float = 0.05  # let a slow LAPOR! finish storing before we ask for the report
    # A POST that got no answer may still be running inside LAPOR!: wait this long before the
    # lookup that decides whether to post again (longer than LAPOR!'s own request timeout).
    ambiguous_settle_s: float = 120.0

    @property
    def group_size(self) -> int:
        """Tickets claimed, pushed and settled together: all a killed run can leave ``sending``."""
        return max(self.concurrency * 4, 1)


class Pusher:
    def __init__(self, engine: Engine, lapor: LaporApi, identity: IdentityResolver,
                 mappings: dict[str, ChannelMapping], policy: PushPolicy,
                 throttle: Callable[[int], Awaitable[None]] | None = None) -> None:
        self._engine, self._lapor, self._identity = engine, lapor, identity
        self._mappings, self._policy = mappings, policy
        # Waits before each group of requests, e.g. for LAPOR!'s rate shared by all workers.
        self._throttle = throttle
        self._abort: FatalError | None = None
        self._stopped: str | None = None  # why no new POST may start (the claim was lost)

    @property
    def stopped(self) -> bool:
        return self._stopped is not None

    def stop(self, reason: str) -> None:
        """Start no new POST: the claim may be another run's now (called by the heartbeat)."""
        self._stopped = reason

    async def push(self, claimed: list[Claimed],
                   run_id: str | None = None) -> dict[str, PushCounts]:
        """Push a claimed batch; counts per channel."""
        per_channel: dict[str, PushCounts] = {}
        for c in claimed:
            per_channel.setdefault(c.ticket.channel, PushCounts()).claimed += 1
        gate = asyncio.Semaphore(self._policy.concurrency)
        group = self._policy.group_size
        for start in range(0, len(claimed), group):
            chunk = claimed[start : start + group]
            if self._throttle is not None:
                await self._throttle(len(chunk))
            # Fresh in the masking registry while they are pushed, however long ago they were
            # read: the registry keeps the recently registered names, not every name ever seen.
            register_names(c.ticket.pelapor.nama for c in chunk
                           if c.ticket.pelapor is not None and c.ticket.pelapor.nama)
            self._identity.prefetch(c.ticket for c in chunk)
            outcomes = await asyncio.gather(*(self._guarded(gate, c) for c in chunk))
            self._identity.flush()
            if chunk:
                record_outcomes(self._engine, chunk[0].token, list(outcomes), run_id)
            for c, outcome in zip(chunk, outcomes, strict=True):
                counts = per_channel[c.ticket.channel]
                if isinstance(outcome, Sent):
                    counts.recovered += outcome.recovered
                    counts.sent += not outcome.recovered
                    counts.unrouted += c.ticket.instansi is None
                elif isinstance(outcome, Retry):
                    counts.retried += 1
                else:
                    counts.quarantined += 1
            if self._abort is not None:
                # Give back the rest of the claim untouched so another run can take it at once.
                rest = claimed[start + group :]
                record_outcomes(self._engine, chunk[0].token,
                                [self._retry(c, "aborted: " + str(self._abort), c.needs_lookup)
                                 for c in rest], run_id)
                raise PushAborted(str(self._abort))
        return per_channel

    async def _guarded(self, gate: asyncio.Semaphore, claimed: Claimed) -> Outcome:
        async with gate:
            if self._abort is not None or self._stopped is not None:
                return self._retry(claimed, self._stopped or "aborted", claimed.needs_lookup)
            try:
                outcome = await self._push_one(claimed)
            except Exception as exc:  # noqa: BLE001  (one poisoned ticket must not sink its batch)
                # Unknown where it failed, so a POST may have gone out: look up before any new one.
                log.error("ticket.push_failed", channel=claimed.ticket.channel,
                          source_id=claimed.ticket.source_id, error=_safe_error(exc))
                return Quarantine(claimed.id, "push", "push_failed", _safe_error(exc),
                                  needs_lookup=True)
        if isinstance(outcome, Retry) and claimed.attempts >= self._policy.max_attempts:
            return Quarantine(claimed.id, "push", "max_attempts",
                              f"gave up after {claimed.attempts} attempts; last: {outcome.error}",
                              needs_lookup=outcome.needs_lookup)
        return outcome

    async def _push_one(self, c: Claimed) -> Outcome:
        mapping = self._mappings[c.ticket.channel]
        sumber = mapping.sumber
        if c.needs_lookup:
            found = await self._lookup(c, sumber)
            if not isinstance(found, bool):
                return found
        identity = await self._identity.resolve(c.ticket)
        try:
            report = build_report(c.ticket, sumber, identity, mapping.anonymity)
        except ValueError as exc:
            # Nothing was posted for this try: the ticket alone stops, with the fields at fault.
            return Quarantine(c.id, "push", "bad_report", _safe_error(exc),
                              needs_lookup=c.needs_lookup)
        for _ in range(3):
            try:
                created = await self._lapor.create_report(report)
            except AmbiguousWriteError as exc:
                await asyncio.sleep(self._policy.lookup_delay_s)
                found = await self._lookup(c, sumber, identity)
                if not isinstance(found, bool):
                    return found
                if exc.status is None:
                    # No answer at all: the request may still be in flight inside LAPOR!, so
                    # a lookup now proves nothing. Look again once it must have settled.
                    return self._retry(c, str(exc), needs_lookup=True,
                                       delay_s=self._policy.ambiguous_settle_s)
                continue  # LAPOR! answered and does not hold it: a new POST cannot duplicate
            except InvalidRequest as exc:
                fields = ", ".join(exc.fields) or "(unspecified)"
                return Quarantine(c.id, "push", "lapor_rejected",
                                  f"LAPOR! answered {exc.status}; fields: {fields}")
            except AuthError as exc:
                self._abort = exc
                return self._retry(c, str(exc), needs_lookup=False)
            except RetriableError as exc:
                return self._retry(c, str(exc), needs_lookup=False)
            except ConnectorError as exc:
                return self._retry(c, str(exc), needs_lookup=False)
            log.debug("ticket.pushed", channel=c.ticket.channel, source_id=c.ticket.source_id,
                     tracking_id=created.tracking_id, identity=identity.status.value)
            return Sent(c.id, created.tracking_id, created.transaksi_id, identity.status.value,
                        identity.note)
        return self._retry(c, "LAPOR! kept failing after accepting the request", True)

    async def _lookup(self, c: Claimed, sumber: str,
                      identity: IdentityOutcome | None = None) -> Outcome | bool:
        """The stored report if LAPOR! has one, ``False`` if it has none, or a Retry.

        An adapter that cannot look up by origin (the legacy API) cannot tell whether a POST
        that got no clean answer landed: the ticket is parked for a person, never posted again.
        """
        if not self._lapor.capabilities.lookup_by_origin:
            log.warning("ticket.parked_ambiguous", channel=c.ticket.channel,
                        source_id=c.ticket.source_id,
                        adapter=self._lapor.capabilities.adapter)
            return Quarantine(c.id, "push", AMBIGUOUS_PARKED, PARKED_DETAIL, needs_lookup=True)
        try:
            first = await report_from_origin(self._lapor, sumber, c.ticket)
        except ConnectorError as exc:
            return self._retry(c, f"lookup failed: {exc}", needs_lookup=True)
        if first is None:
            return False
        log.info("ticket.recovered", channel=c.ticket.channel, source_id=c.ticket.source_id,
                 tracking_id=first.tracking_id)
        status = identity.status.value if identity else "unknown"
        return Sent(c.id, first.tracking_id, first.transaksi_id, status,
                    identity.note if identity else None, recovered=True)

    def _retry(self, c: Claimed, error: str, needs_lookup: bool,
               delay_s: float | None = None) -> Retry:
        policy = self._policy
        delay = min(policy.retry_max_s, policy.retry_base_s * 2 ** max(c.attempts - 1, 0))
        delay *= random.uniform(0.5, 1.0)  # jitter: workers that failed together retry apart
        if delay_s is not None:
            delay = delay_s
        return Retry(c.id, error, utcnow() + timedelta(seconds=delay), needs_lookup)


def _safe_error(exc: BaseException) -> str:
    """What went wrong, by field and rule; never the value (pydantic echoes inputs)."""
    if isinstance(exc, ValidationError):
        fields = sorted({".".join(str(p) for p in e["loc"]) + f" ({e['type']})"
                         for e in exc.errors()})
        return "the LAPOR! report cannot be built: " + ", ".join(fields)[:400]
    if isinstance(exc, ConnectorError):
        return str(exc)[:400]
    return f"{type(exc).__name__} while building or sending the report"
