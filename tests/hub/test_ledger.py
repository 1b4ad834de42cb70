"""The ledger's guarantees, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.ledger.claims import Quarantine, Retry, Sent, claim_batch, record_outcomes
from hub.ledger.ingest import Mapped, QuarantineEntry, ingest_page
from hub.ledger.tables import AuditRow, CursorRow, QuarantineRow, SendState, TicketRow, utcnow
from tests.hub.factories import ticket


def _ingest(engine: Engine, *tickets_: object, resume: str | None = None) -> object:
    mapped = [Mapped(t, {"id": t.source_id}) for t in tickets_]  # type: ignore[attr-defined]
    return ingest_page(engine, "sikesal", mapped, [], resume_token=resume, run_id="r1")


def _rows(engine: Engine) -> list[TicketRow]:
    with Session(engine) as session:
        return list(session.exec(select(TicketRow).order_by(TicketRow.id)))


def test_ingest_stores_new_tickets_pending_with_cursor_in_same_commit(engine: Engine) -> None:
    result = _ingest(engine, ticket(1), ticket(2), resume="page-2")
    assert result.new == 2  # type: ignore[attr-defined]
    assert [r.state for r in _rows(engine)] == [SendState.pending, SendState.pending]
    with Session(engine) as session:
        cursor = session.get(CursorRow, "sikesal")
        assert cursor is not None and cursor.resume_token == "page-2"
        events = [a.event for a in session.exec(select(AuditRow))]
    assert events.count("ticket.ingested") == 2


def test_ingest_deduplicates_same_or_older_version(engine: Engine) -> None:
    _ingest(engine, ticket(1, version=2))
    again = _ingest(engine, ticket(1, version=2), ticket(1, version=1))
    assert again.unchanged == 2 and again.new == 0 and again.updated == 0  # type: ignore[attr-defined]
    newer = _ingest(engine, ticket(1, version=3))
    assert newer.updated == 1  # type: ignore[attr-defined]
    [row] = _rows(engine)
    assert row.source_version == f"{3:020d}"


def test_same_quarantined_record_is_stored_once(engine: Engine) -> None:
    entry = QuarantineEntry("sikesal", "SKL-9", None, "validate", "schema_violation",
                            "$.isi: required", {"id": "SKL-9"})
    for _ in range(3):
        ingest_page(engine, "sikesal", [], [entry], resume_token=None, run_id="r")
    with Session(engine) as session:
        assert len(list(session.exec(select(QuarantineRow)))) == 1


def test_valid_version_supersedes_quarantined_older_one(engine: Engine) -> None:
    entry = QuarantineEntry("sikesal", "SKL-000001", f"{1:020d}", "map", "unknown_category",
                            "x", {"id": "SKL-000001"})
    ingest_page(engine, "sikesal", [], [entry], resume_token=None, run_id="r")
    _ingest(engine, ticket(1, version=2))
    with Session(engine) as session:
        [q] = session.exec(select(QuarantineRow))
        assert q.resolution == "superseded"


def test_a_row_is_claimed_by_one_worker_only(engine: Engine) -> None:
    _ingest(engine, *[ticket(i) for i in range(1, 41)])
    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        got = claim_batch(engine, token=name, limit=40, lease_s=300)
        claims[name] = [c.id for c in got]

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_ids = [i for ids in claims.values() for i in ids]
    assert len(all_ids) == 40 and len(set(all_ids)) == 40


def test_stale_sending_row_is_reclaimed_with_lookup_and_old_claim_loses(engine: Engine) -> None:
    _ingest(engine, ticket(1))
    [first] = claim_batch(engine, token="dead-worker", limit=10, lease_s=300)
    assert not first.needs_lookup
    assert claim_batch(engine, token="other", limit=10, lease_s=300) == []  # lease still held
    later = utcnow() + timedelta(seconds=301)
    [again] = claim_batch(engine, token="rescuer", limit=10, lease_s=300, now=later)
    assert again.needs_lookup and again.attempts == 2
    # The dead worker comes back: its claim no longer holds, so its outcome is ignored.
    assert record_outcomes(engine, "dead-worker", [Sent(first.id, "LPR1", "TRX1", "verified",
                                                        None)]) == 0
    assert record_outcomes(engine, "rescuer", [Sent(again.id, "LPR2", "TRX2", "verified",
                                                    None, recovered=True)]) == 1
    [row] = _rows(engine)
    assert row.state == SendState.sent and row.tracking_id == "LPR2"


def test_retry_and_quarantine_outcomes(engine: Engine) -> None:
    _ingest(engine, ticket(1), ticket(2))
    a, b = claim_batch(engine, token="t", limit=10, lease_s=300)
    soon = utcnow() + timedelta(seconds=60)
    record_outcomes(engine, "t", [Retry(a.id, "LAPOR! 503", soon, needs_lookup=True),
                                  Quarantine(b.id, "push", "lapor_rejected", "fields: judul")])
    rows = _rows(engine)
    assert rows[0].state == SendState.pending and rows[0].needs_lookup
    assert rows[1].state == SendState.quarantined
    assert claim_batch(engine, token="u", limit=10, lease_s=300) == []  # not due yet
    [due] = claim_batch(engine, token="u", limit=10, lease_s=300,
                        now=soon + timedelta(seconds=1))
    assert due.id == a.id and due.needs_lookup
    with Session(engine) as session:
        [q] = session.exec(select(QuarantineRow))
        assert q.stage == "push" and q.reason == "lapor_rejected" and q.raw


def test_two_pulls_storing_the_same_page_at_once_both_succeed(engine: Engine) -> None:
    page = [ticket(i) for i in range(1, 31)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def pull() -> None:
        barrier.wait()
        try:
            _ingest(engine, *page)
        except BaseException as exc:  # reported below; a thread cannot raise into the test
            errors.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_rows(engine)) == 30
