"""Retention (``lapor-hub purge``): old sent tickets lose personal data, keep what sync needs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from hub.cli import app
from hub.core.models import Ticket
from hub.core.settings import get_settings
from hub.ledger.ingest import Mapped, ingest_page
from hub.ledger.tables import (
    AuditRow,
    IdentityCacheRow,
    QuarantineRow,
    SendState,
    TicketRow,
    utcnow,
)
from hub.privacy.retention import PURGED_RAW, parse_age, purge
from tests.hub.factories import NAME, NIK, PHONE, raw_sikesal, ticket


def _ledger(engine: Engine) -> None:
    """Tickets 1-2 sent 100 days ago, 3 sent yesterday, 4 pending for 100 days; old and new rest."""
    mapped = [Mapped(ticket(n), raw_sikesal(n)) for n in range(1, 5)]
    ingest_page(engine, "sikesal", mapped, [], resume_token=None, run_id="r")
    old, recent = utcnow() - timedelta(days=100), utcnow() - timedelta(days=1)
    with Session(engine) as session:
        for row in session.exec(select(TicketRow)):
            n = int(row.source_id[-1])
            if n <= 3:
                row.state, row.tracking_id = SendState.sent, f"LPR{n:08d}"
                row.sent_at = old if n <= 2 else recent
            else:
                row.created_at = old
            session.add(row)
        for i, (resolved, created) in enumerate(((old, old), (None, old), (recent, recent))):
            session.add(QuarantineRow(channel="sikesal", source_id="SKL-000009", stage="map",
                                      reason="unknown_category", detail="d", raw="{}",
                                      fingerprint=f"f{i}", created_at=created,
                                      resolved_at=resolved,
                                      resolution="replayed" if resolved else None))
        session.add(IdentityCacheRow(key="old", status="verified", checked_at=old))
        session.add(IdentityCacheRow(key="new", status="verified", checked_at=recent))
        session.commit()


def test_purge_strips_personal_data_of_old_sent_tickets_and_keeps_what_sync_needs(
        engine: Engine) -> None:
    _ledger(engine)
    with Session(engine) as session:
        before = {r.source_id: (r.content_hash, r.source_version) for r in
                  session.exec(select(TicketRow))}
    counts = purge(engine, timedelta(days=90))
    assert (counts.tickets_purged, counts.quarantine_deleted,
            counts.identity_cache_deleted) == (2, 1, 1)
    with Session(engine) as session:
        rows = {r.source_id: r for r in session.exec(select(TicketRow))}
        open_quarantine = list(session.exec(select(QuarantineRow)))
        cache = [c.key for c in session.exec(select(IdentityCacheRow))]
        audit = [a for a in session.exec(select(AuditRow)) if a.event == "retention.purged"]
    for n in ("SKL-000001", "SKL-000002"):
        row = rows[n]
        assert row.raw == PURGED_RAW
        for secret in (NIK, NAME, PHONE, "Sultan Thaha", "lubang"):
            assert secret.lower() not in (row.payload + row.raw).lower()
        kept = Ticket.model_validate_json(row.payload)  # still a valid canonical ticket
        assert kept.pelapor is None and kept.source_id == n and kept.status == "belum_terverifikasi"
        assert (row.content_hash, row.source_version) == before[n]
        assert row.state == SendState.sent and row.tracking_id
    for n in ("SKL-000003", "SKL-000004"):  # sent recently, or never sent: untouched
        assert NIK in rows[n].payload and NIK in rows[n].raw
    assert len(open_quarantine) == 2 and cache == ["new"]
    assert len(audit) == 1 and json.loads(audit[0].detail or "{}")["tickets_purged"] == 2
    assert purge(engine, timedelta(days=90)).tickets_purged == 0  # idempotent


def test_purged_ticket_is_not_reingested_when_the_channel_serves_it_again(engine: Engine) -> None:
    _ledger(engine)
    purge(engine, timedelta(days=90))
    again = ingest_page(engine, "sikesal", [Mapped(ticket(1), raw_sikesal(1))], [],
                        resume_token=None, run_id="r2")
    assert again.new == 0 and again.updated == 0


def test_parse_age_accepts_days_weeks_hours_only() -> None:
    assert parse_age("90d") == timedelta(days=90)
    assert parse_age("2w") == timedelta(weeks=2)
    assert parse_age("36h") == timedelta(hours=36)
    for bad in ("90", "0d", "-1d", "3 months", ""):
        with pytest.raises(ValueError):
            parse_age(bad)


def test_purge_command_prints_counts(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.ledger.db import init_db, make_engine

    engine = make_engine(db_url)
    init_db(engine)
    _ledger(engine)
    monkeypatch.setenv("LAPOR_HUB_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["purge", "--older-than", "90d"])
        bad = CliRunner().invoke(app, ["purge", "--older-than", "soon"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2 tickets purged" in result.output and "1 identity-cache rows" in result.output
    assert bad.exit_code == 2
