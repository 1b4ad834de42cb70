"""Reporter identity by NIK against SIAK/Dukcapil: cached, quota-aware, never blocking.

Whatever happens here, the report goes on to LAPOR!: a failed or unavailable check only marks it
``unverified`` with a note. The cache key is a hash of NIK and name, so the ledger holds no NIK in
it and the daily quota is spent once per person, not once per complaint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from connectors.dukcapil import DukcapilClient
from connectors.errors import AuthError, ConnectorError, OutsideAccessHours, QuotaExceeded
from hub.core.models import IdentityStatus, Ticket
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

    async def resolve(self, ticket: Ticket) -> IdentityOutcome:
        reporter = ticket.pelapor
        if ticket.anonim or reporter is None or not reporter.nik:
            return IdentityOutcome(IdentityStatus.not_applicable)
        key = cache_key(reporter.nik, reporter.nama)
        cached = self._cached(key)
        if cached is not None:
            return cached
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
            log.warning("identity.unavailable", channel=ticket.channel, error=type(exc).__name__)
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

    def _cached(self, key: str) -> IdentityOutcome | None:
        with Session(self._engine) as session:
            row = session.get(IdentityCacheRow, key)
        if row is None:
            return None
        if utcnow() - as_utc(row.checked_at) > self._ttl:
            return None
        return IdentityOutcome(IdentityStatus(row.status), row.note)

    def _store(self, key: str, outcome: IdentityOutcome, code: str) -> None:
        with Session(self._engine) as session:
            row = session.get(IdentityCacheRow, key) or IdentityCacheRow(key=key, status="")
            row.status, row.note, row.response_code = outcome.status, outcome.note, code
            row.checked_at = utcnow()
            session.add(row)
            session.commit()
