"""Reporter identity by NIK against SIAK/Dukcapil: cached, quota-aware, never blocking.

Whatever happens here, the report goes on to LAPOR!: a failed or unavailable check only marks it
``unverified`` with a note. The cache key is a hash of NIK and name, so the ledger holds no NIK in
it and the daily quota is spent once per person, not once per complaint.

The cache is read a group at a time (:meth:`IdentityResolver.prefetch`) and written a group at a
time (:meth:`IdentityResolver.flush`), and reporters of one group are verified once however many
complaints they filed in it: a per-ticket read and write of the ledger cost more CPU than the
Dukcapil call itself, and two concurrent misses of one person would spend the quota twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from connectors.dukcapil import DukcapilClient
from connectors.errors import AuthError, ConnectorError, OutsideAccessHours, QuotaExceeded
from hub.core.models import IdentityStatus, Reporter, Ticket
from hub.ledger.tables import IdentityCacheRow, as_utc, utcnow

log = structlog.get_logger(__name__)

# Dukcapil RESPONSE_CODE → why a found-or-not answer leaves the reporter unverified.
_CODE_NOTES = {
    "11": "Dukcapil: NIK belongs to a deceased person",
    "12": "Dukcapil: several records for this NIK",
    "13": "Dukcapil: NIK not found",
    "14": "Dukcapil: NIK inactive",
    "15": "Dukcapil: NIK rejected as badly formatted",
}


@dataclass(frozen=True)
class IdentityOutcome:
    status: IdentityStatus
    note: str | None = None


def cache_key(nik: str, nama: str | None) -> str:
    normalized = " ".join((nama or "").lower().split())
    return hashlib.sha256(f"{nik}|{normalized}".encode()).hexdigest()


class IdentityResolver:
    def __init__(self, engine: Engine, client: DukcapilClient | None, ttl_s: float,
                 gate: Callable[[], Awaitable[str | None]] | None = None) -> None:
        self._engine, self._client, self._ttl = engine, client, timedelta(seconds=ttl_s)
        # Asked before each call (quota shared by all workers, access hours): a reason not to.
        self._gate = gate
        # Once Dukcapil says the quota is spent, login failed or it is closed, stop asking for
        # the rest of this run: every further call would fail the same way and cost time.
        self._closed_reason: str | None = None
        self.calls = 0
        # This resolver's view of the cache: outcomes read by prefetch or decided here, and the
        # decided ones not yet written. A resolver lives for one claimed batch.
        self._known: dict[str, IdentityOutcome] = {}
        self._looked_up: set[str] = set()
        self._unwritten: dict[str, tuple[IdentityOutcome, str]] = {}
        self._inflight: dict[str, asyncio.Task[IdentityOutcome]] = {}

    @staticmethod
    def key_of(ticket: Ticket) -> str | None:
        reporter = ticket.pelapor
        if ticket.anonim or reporter is None or not reporter.nik:
            return None
        return cache_key(reporter.nik, reporter.nama)

    def prefetch(self, tickets: Iterable[Ticket]) -> None:
        """Read the cached outcomes of these tickets' reporters in one query."""
        keys = {k for t in tickets if (k := self.key_of(t)) is not None} - self._looked_up
        if not keys:
            return
        self._looked_up |= keys
        fresh_after = utcnow() - self._ttl
        with Session(self._engine) as session:
            rows = session.exec(select(IdentityCacheRow).where(
                col(IdentityCacheRow.key).in_(sorted(keys))))
            for row in rows:
                if as_utc(row.checked_at) >= fresh_after:
                    self._known[row.key] = IdentityOutcome(IdentityStatus(row.status), row.note)

    def flush(self) -> None:
        """Write the outcomes decided since the last flush, in one transaction."""
        if not self._unwritten:
            return
        pending, self._unwritten = self._unwritten, {}
        try:
            self._write(pending, merge=False)
        except IntegrityError:  # another worker cached one of these people meanwhile
            self._write(pending, merge=True)

    async def resolve(self, ticket: Ticket) -> IdentityOutcome:
        key = self.key_of(ticket)
        if key is None:
            return IdentityOutcome(IdentityStatus.not_applicable)
        if key not in self._looked_up:
            self.prefetch([ticket])  # a caller that did not prefetch still gets the cache
        known = self._known.get(key)
        if known is not None:
            return known
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(self._verify(ticket.channel, ticket.pelapor, key))
            self._inflight[key] = running
            running.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(running)

    async def _verify(self, channel: str, reporter: Reporter | None, key: str) -> IdentityOutcome:
        if reporter is None or not reporter.nik:
            return IdentityOutcome(IdentityStatus.not_applicable)
        if self._client is None:
            return IdentityOutcome(IdentityStatus.unverified, "identity check disabled")
        if self._closed_reason is not None:
            return IdentityOutcome(IdentityStatus.unverified, self._closed_reason)
        if self._gate is not None and (refused := await self._gate()) is not None:
            return self._close(refused)
        try:
            self.calls += 1
            result = await self._client.verify_by_elements(reporter.nik, nama=reporter.nama)
        except QuotaExceeded:
            return self._close("Dukcapil daily quota used up")
        except OutsideAccessHours:
            return self._close("Dukcapil outside access hours")
        except AuthError:
            return self._close("Dukcapil login failed (check LAPOR_HUB_DUKCAPIL__ credentials)")
        except ConnectorError as exc:
            log.warning("identity.unavailable", channel=channel, error=type(exc).__name__)
            return IdentityOutcome(IdentityStatus.unverified, "Dukcapil unavailable")
        outcome = self._judge(result.response_code, result.matched)
        self._store(key, outcome, result.response_code)
        return outcome

    def _judge(self, code: str, matched: dict[str, bool]) -> IdentityOutcome:
        if code != "01":
            return IdentityOutcome(IdentityStatus.unverified,
                                   _CODE_NOTES.get(code, f"Dukcapil code {code}"))
        if all(matched.values()):
            return IdentityOutcome(IdentityStatus.verified)
        differs = ", ".join(sorted(k for k, ok in matched.items() if not ok))
        return IdentityOutcome(IdentityStatus.unverified, f"Dukcapil: does not match ({differs})")

    def _close(self, reason: str) -> IdentityOutcome:
        if self._closed_reason is None:
            log.warning("identity.suspended", reason=reason)
        self._closed_reason = reason
        return IdentityOutcome(IdentityStatus.unverified, reason)

    def _store(self, key: str, outcome: IdentityOutcome, code: str) -> None:
        self._known[key] = outcome
        self._unwritten[key] = (outcome, code)

    def _write(self, pending: dict[str, tuple[IdentityOutcome, str]], *, merge: bool) -> None:
        now = utcnow()
        with Session(self._engine) as session:
            existing = {} if merge else {r.key: r for r in session.exec(select(
                IdentityCacheRow).where(col(IdentityCacheRow.key).in_(sorted(pending))))}
            for key, (outcome, code) in pending.items():
                row = (session.get(IdentityCacheRow, key) if merge else existing.get(key)) \
                    or IdentityCacheRow(key=key, status="")
                row.status, row.note, row.response_code = outcome.status, outcome.note, code
                row.checked_at = now
                session.add(row)
            session.commit()
