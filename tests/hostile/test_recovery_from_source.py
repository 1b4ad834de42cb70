"""Records quarantined for wire corruption are recovered from their channel, exactly once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from hub.ledger.inbound import quarantine_event
from hub.ledger.tables import QuarantineRow
from hub.sync.pipeline import Hub, sync
from hub.sync.quarantine import list_entries, replay_by_reason, show_entry
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
N = 60


def _source_ids(sandbox: Sandbox, channel: str, hub: Hub) -> set[str]:
    state = sandbox.state(channel)
    records = state.get("records") or state.get("reports") or []
    mapping = hub.mappings[channel]
    return {s for s in (mapping.source_id(r) for r in records) if s}


@pytest.mark.parametrize("channel", ["sikesal", "laksa", "sambat", "simtramtibum"])
async def test_faults_on_sync_faults_off_replay_delivers_every_valid_record_once(
        sandbox: Sandbox, sqlite_url: str, channel: str) -> None:
    sandbox.seed(channel, N, 71)  # every record valid at its source
    hub = sandbox.hub(sqlite_url)
    sandbox.faults(channel, malformed_rate=0.25, seed=3)
    for _ in range(3):  # a cut page body fails a pull; the next run resumes it
        await sync(hub, [channel])
    corrupted = list_entries(hub, channel)
    assert corrupted, "malformed_rate 0.25 must quarantine some records"
    sandbox.faults(channel, malformed_rate=0.0)  # the wire is clean again

    for reason in sorted({e.reason for e in corrupted}):
        replay_by_reason(hub, reason, channel=channel, run_id="recover")
    await sync(hub, [channel])

    expected = _source_ids(sandbox, channel, hub)
    assert len(expected) == N
    refs = Counter(str(r["ref_eksternal"]) for r in sandbox.lapor_reports())
    assert refs == Counter({source_id: 1 for source_id in expected})
    assert [e for e in list_entries(hub, channel) if e.source_id is not None] == []


async def test_replay_falls_back_to_the_stored_copy_when_the_channel_has_no_record(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 10, 72, bad_rate=0.5)  # invalid at the source itself
    hub = sandbox.hub(sqlite_url)
    await sync(hub, ["sikesal"])
    stuck = list_entries(hub, "sikesal")
    assert stuck
    outcomes = replay_by_reason(hub, stuck[0].reason, channel="sikesal")
    assert outcomes and not any(o.replayed for o in outcomes)  # still bad, at the source too


def test_quarantine_show_withholds_an_unparsed_csv_line(sandbox: Sandbox,
                                                        sqlite_url: str) -> None:
    hub = sandbox.hub(sqlite_url)
    line = "PKL-1;1;01/11/2026;Budi Santoso Wiryo;Sekretariat;..."
    quarantine_event(hub.engine, "simtramtibum", "schema_violation", "unreadable line",
                     {"_baris": 3, "_galat": "kolom kurang", "_teks": line})
    with Session(hub.engine) as session:
        entry = session.exec(select(QuarantineRow)).one()
    shown = show_entry(hub, entry.id or 0)
    assert "Budi" not in str(shown.model_dump())
    assert shown.raw_masked["_teks"].startswith("[withheld")
