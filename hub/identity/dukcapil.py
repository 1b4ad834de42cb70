"""Reporter identity by NIK against SIAK/Dukcapil: cached, quota-aware, never blocking.

Whatever happens here, the report goes on to LAPOR!: a failed or unavailable check only marks it
``unverified`` with a note. The cache key is a hash of NIK and name, so the ledger holds no NIK in
it and the daily quota is spent once per person, not once per complaint.

Only answers *about the person* are cached: a match or mismatch, and codes 08 and 11–15. A
setup fault (login, IP, parameters, institution or user inactive, quota, hours) says nothing
about the reporter: it closes identity checks for the rest of the run with one operator error
naming the code and its meaning, and nothing is stored for anybody.

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
from sqlalchemy import Engine, bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from connectors.dukcapil import DukcapilClient, VerifyResult
from connectors.errors import (
    AuthError,
    ConnectorError,
    OutsideAccessHours,
    QuotaExceeded,
    SetupRefused,
)
from hub.core.models import IdentityStatus, Reporter, Ticket
from hub.ledger.bulk import insert_rows
from hub.ledger.tables import IdentityCacheRow, as_utc, utcnow

log = structlog.get_logger(__name__)

# Dukcapil RESPONSE_CODE → why a found-or-not answer leaves the reporter unverified.
_CODE_NOTES = {
    "08": "Dukcapil: NIK cannot be processed",
    "11": "Dukcapil: NIK belongs to a deceased person",
    "12": "Dukcapil: several records for this NIK",
    "13": "Dukcapil: NIK not found",
    "14": "Dukcapil: NIK inactive",
    "15": "Dukcapil: NIK rejected as badly formatted",
}
_CLOSED_NOTES = {
    QuotaExceeded: "Dukcapil daily quota used up",
    OutsideAccessHours: "Dukcapil outside access hours",
    AuthError: "Dukcapil login failed (check LAPOR_HUB_DUKCAPIL__ credentials)",
}
DEFAULT_MIN_SCORE = 90


@dataclass(frozen=True)
class IdentityOutcome:
    status: IdentityStatus
    note: str | None = None


def cache_key(nik: str, nama: str | None) -> str:
    normalized = " ".join((nama or "").lower().split())
    return hashlib.sha256(f"{nik}|{normalized}".encode()).hexdigest()


def judge(result: VerifyResult, sent: set[str], min_score: int) -> IdentityOutcome:
    """Verified when the NIK was found and every element the hub sent matches: a fuzzy element
    by its score against ``min_score`` (the hub's bar, not the gateway's label), an exact one by
    its verdict. Elements the hub did not send are ignored, whatever the gateway says of them."""
    if result.response_code is not None:
        code = result.response_code
        return IdentityOutcome(IdentityStatus.unverified,
                               _CODE_NOTES.get(code, f"Dukcapil code {code}"))
    differs = []
    for element in sorted(sent | {"NIK"}):
        if element not in result.elements:
            differs.append(element)  # asked but not answered: not proven
            continue
        points = result.score.get(element)
        ok = points >= min_score if points is not None else result.matched[element]
        if not ok:
            differs.append(element)
    if not differs:
        return IdentityOutcome(IdentityStatus.verified)
    return IdentityOutcome(IdentityStatus.unverified,
                           f"Dukcapil: does not match ({', '.join(differs)})")


class IdentityResolver:
    def __init__(self, engine: Engine, client: DukcapilClient | None, ttl_s: float,
                 gate: Callable[[], Awaitable[str | None]] | None = None,
                 min_score: int = DEFAULT_MIN_SCORE) -> None:
        self._engine, self._client, self._ttl = engine, client, timedelta(seconds=ttl_s)
        # Asked before each call (quota shared by all workers, access hours): a reason not to.
        self._gate = gate
        self._min_score = min_score
        # What the gateway's quota counts is requests, retries included: the client's count.
        self._baseline = client.calls_sent if client is not None else 0
        self.operator_error: str | None = None
        # Once Dukcapil says the quota is spent, login failed or it is closed, stop asking for
        # the rest of this run: every further call would fail the same way and cost time.
        self._closed_reason: str | None = None
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
            self._write(pending)
        except IntegrityError:  # another worker cached one of these people meanwhile
            self._write(pending)

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
        sent = {"NAMA_LGKP"} if reporter.nama else set()
        try:
            result = await self._client.verify_by_elements(reporter.nik, nama=reporter.nama)
        except (QuotaExceeded, OutsideAccessHours, AuthError, SetupRefused) as exc:
            return self._refused(exc)
        except ConnectorError as exc:
            log.warning("identity.unavailable", channel=channel, error=type(exc).__name__)
            return IdentityOutcome(IdentityStatus.unverified, "Dukcapil unavailable")
        outcome = judge(result, sent, self._min_score)
        self._store(key, outcome, result.response_code or "")
        return outcome

    @property
    def calls(self) -> int:
        """Requests this resolver sent to the gateway, retries included: what its quota counts."""
        return self._client.calls_sent - self._baseline if self._client is not None else 0

    def _refused(self, exc: ConnectorError) -> IdentityOutcome:
        code = getattr(exc, "dukcapil_code", None)
        note = next((text for cls, text in _CLOSED_NOTES.items() if isinstance(exc, cls)), None)
        if note is None:
            note = f"Dukcapil refused the hub's setup ({exc.reason})"
        if self.operator_error is None:
            # One clear line for the operator: the code, its meaning, and that nobody was marked.
            self.operator_error = f"Dukcapil {exc.reason}: identity checks stopped for this run"
            log.error("identity.setup_fault", code=code, reason=exc.reason)
        return self._close(note)

    def _close(self, reason: str) -> IdentityOutcome:
        if self._closed_reason is None:
            log.warning("identity.suspended", reason=reason)
        self._closed_reason = reason
        return IdentityOutcome(IdentityStatus.unverified, reason)

    def _store(self, key: str, outcome: IdentityOutcome, code: str) -> None:
        self._known[key] = outcome
        self._unwritten[key] = (outcome, code)

    def _write(self, pending: dict[str, tuple[IdentityOutcome, str]]) -> None:
        """New people inserted and known ones updated, each in one executemany (no ORM object
        per person: on the push's hot path that cost more than the writes)."""
        now = utcnow()
        table = IdentityCacheRow.__table__  # type: ignore[attr-defined]
        values = {key: {"key": key, "status": str(outcome.status), "note": outcome.note,
                        "response_code": code, "checked_at": now}
                  for key, (outcome, code) in pending.items()}
        with Session(self._engine) as session:
            known = set(session.execute(sa_select(table.c.key).where(
                table.c.key.in_(sorted(pending)))).scalars())
            insert_rows(session, IdentityCacheRow,
                        [v for key, v in values.items() if key not in known])
            changed = [{**v, "b_key": key} for key, v in values.items() if key in known]
            if changed:
                session.execute(update(table).where(table.c.key == bindparam("b_key"))
                                .values(status=bindparam("status"), note=bindparam("note"),
                                        response_code=bindparam("response_code"),
                                        checked_at=bindparam("checked_at")), changed)
            session.commit()
