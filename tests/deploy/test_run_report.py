"""The run's quarantine artifact: counts by channel and reason with how to see and replay them."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from hub.ledger.tables import QuarantineRow
from hub.service.artifacts import quarantine_markdown


def _q(channel: str, reason: str, run_id: str) -> QuarantineRow:
    return QuarantineRow(
        channel=channel,
        stage="map",
        reason=reason,
        detail="x",
        raw='{"nik": "6472106412780001"}',
        fingerprint=f"{channel}{reason}{run_id}",
        run_id=run_id,
    )


def test_quarantine_summary_counts_this_runs_entries_and_links_to_them(engine: Engine) -> None:
    with Session(engine) as session:
        for row in (
            _q("sikesal", "unknown_category", "r1"),
            _q("sikesal", "unknown_category", "r1"),
            _q("laksa", "invalid_nik", "r1"),
            _q("laksa", "invalid_nik", "other-run"),
        ):
            row.fingerprint += str(id(row))
            session.add(row)
        session.commit()
    text = quarantine_markdown(engine, "r1", ["sikesal", "laksa"])
    assert "| sikesal | map | unknown_category | 2 |" in text
    assert "| laksa | map | invalid_nik | 1 |" in text
    assert "lapor-hub quarantine list --channel laksa --reason invalid_nik" in text
    assert "6472106412780001" not in text  # never raw payloads
    linked = quarantine_markdown(engine, "r1", ["laksa"], details_url="http://hub/quarantine")
    assert "[list](http://hub/quarantine?channel=laksa&reason=invalid_nik)" in linked
    assert "stopped nothing" in quarantine_markdown(engine, "r2", ["sikesal"])
