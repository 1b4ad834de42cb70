"""Quarantine for integrators over real HTTP: list, show masked, replay after a fix, once."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import Session, select
from typer.testing import CliRunner

from hub.cli import app
from hub.core.settings import PROJECT_ROOT, get_settings
from hub.ledger.db import make_engine
from hub.ledger.tables import AuditRow, CursorRow, QuarantineRow, SendState, TicketRow
from hub.sync.pipeline import Hub, sync
from hub.sync.quarantine import list_entries, replay, replay_by_reason, show_entry
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _fixed_mappings(tmp_path: Path) -> Path:
    """The Sikesal mapping after an integrator's fix: the new masalah 99 now has a route."""
    spec = yaml.safe_load((PROJECT_ROOT / "mappings" / "sikesal.yaml").read_text())
    spec["category"]["map"]["99"] = {"kategori": "Lainnya", "instansi": "SETDA-KOTA-JAMBI"}
    out = tmp_path / "mappings"
    out.mkdir()
    shutil.copy(PROJECT_ROOT / "mappings" / "lapor_topics.yaml", out)
    (out / "sikesal.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    return out


def _lapor_counts(sandbox: Sandbox) -> Counter[str]:
    return Counter(str(r["ref_eksternal"]) for r in sandbox.lapor_reports())


def _cursor(hub: Hub) -> tuple[object, object]:
    with Session(hub.engine) as session:
        row = session.get(CursorRow, "sikesal")
        assert row is not None
        return row.watermark, row.resume_token


async def test_replay_after_a_mapping_fix_sends_each_record_to_lapor_exactly_once(
        sandbox: Sandbox, db_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", 80, 21, 0.3)
    hub = sandbox.hub(db_url, mappings_dir=PROJECT_ROOT / "mappings")
    await sync(hub)
    stuck = list_entries(hub, "sikesal", "unknown_category")
    assert stuck and not {e.source_id for e in stuck} & set(_lapor_counts(sandbox))
    cursor = _cursor(hub)

    fixed = sandbox.hub(db_url, mappings_dir=_fixed_mappings(tmp_path))
    outcomes = replay_by_reason(fixed, "unknown_category", channel="sikesal", run_id="replay-1")
    assert all(o.replayed for o in outcomes) and len(outcomes) == len(stuck)
    assert _cursor(fixed) == cursor  # a replay is no position in the channel's feed
    await sync(fixed)
    await sync(fixed)  # a second run must not send them again
    counts = _lapor_counts(sandbox)
    assert all(counts[e.source_id or ""] == 1 for e in stuck)
    assert max(counts.values()) == 1
    with Session(fixed.engine) as session:
        entries = {q.id: q for q in session.exec(select(QuarantineRow))}
        audit = [a for a in session.exec(select(AuditRow)) if a.event == "quarantine.replayed"]
    for e in stuck:
        assert entries[e.id].resolution == "replayed" and entries[e.id].replay_count == 1
    assert {a.source_id for a in audit} == {e.source_id for e in stuck}
    assert all(a.run_id == "replay-1" for a in audit)
    with pytest.raises(ValueError, match="already resolved"):
        replay(fixed, stuck[0].id)


async def test_replay_that_still_fails_stays_quarantined_with_its_reason(
        sandbox: Sandbox, sqlite_url: str, tmp_path: Path) -> None:
    sandbox.seed("sikesal", 80, 22, 0.3)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    broken = list_entries(hub, "sikesal", "schema_violation")
    assert broken
    fixed = sandbox.hub(sqlite_url, mappings_dir=_fixed_mappings(tmp_path))
    outcome = replay(fixed, broken[0].id)
    assert not outcome.replayed and outcome.reason == "schema_violation"
    after = show_entry(fixed, broken[0].id)
    assert after.resolution is None and after.replay_count == 1 and after.schema_path
    assert "quarantine.replay_failed" in [h.event for h in after.history]


class LookupsFail(httpx.AsyncBaseTransport):
    """Real HTTP to LAPOR!, except that its lookup answers 503 while ``failing`` is set."""

    def __init__(self) -> None:
        self.inner, self.failing = httpx.AsyncHTTPTransport(), True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failing and request.method == "GET" and request.url.path.endswith("/laporan"):
            return httpx.Response(503, json={"detail": "lookup down"})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_push_quarantine_after_ambiguous_post_is_looked_up_on_replay_not_reposted(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 12, 23)
    sandbox.faults("lapor", accept_then_fail_rate=1.0, seed=1)  # stored, answer lost: ambiguous
    lookups = LookupsFail()
    settings = sandbox.settings(sqlite_url, max_push_attempts=1, ambiguous_settle_s=0.0)
    hub = Hub.from_settings(settings, transports={"lapor": lookups},
                            engine=make_engine(sqlite_url))
    await sync(hub, ["sikesal"])
    sandbox.faults("lapor", accept_then_fail_rate=0.0)
    lookups.failing = False
    quarantined = list_entries(hub, "sikesal")
    assert len(quarantined) == 12 and {(e.stage, e.reason) for e in quarantined} == {
        ("push", "max_attempts")}
    assert _lapor_counts(sandbox) == Counter({e.source_id: 1 for e in quarantined})
    outcomes = replay_by_reason(hub, "max_attempts", channel="sikesal")
    assert all(o.replayed for o in outcomes)
    with Session(hub.engine) as session:
        revived = list(session.exec(select(TicketRow)))
    assert len(revived) == 12
    assert all(r.state == SendState.pending and r.needs_lookup for r in revived)
    summary = await sync(hub, ["sikesal"])
    assert summary.channels["sikesal"].recovered == 12 and summary.channels["sikesal"].sent == 0
    assert _lapor_counts(sandbox) == Counter({e.source_id: 1 for e in quarantined})
    with Session(hub.engine) as session:
        rows = list(session.exec(select(TicketRow)))
    assert len(rows) == 12 and all(r.state == SendState.sent for r in rows)


async def test_cli_lists_shows_masked_payload_and_replays(
        sandbox: Sandbox, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.seed("sikesal", 80, 24, 0.3)
    hub = sandbox.hub(sqlite_url)
    await sync(hub)
    nik = [q for q in list_entries(hub) if q.reason == "invalid_nik"]
    assert nik
    with Session(hub.engine) as session:
        row = session.get(QuarantineRow, nik[0].id)
        assert row is not None
        raw = json.loads(row.raw)
    monkeypatch.setenv("LAPOR_HUB_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(app, ["quarantine", "list", "--json", "--reason", "invalid_nik"])
        shown = runner.invoke(app, ["quarantine", "show", str(nik[0].id)])
        missing = runner.invoke(app, ["quarantine", "show", "999999"])
        again = runner.invoke(app, ["quarantine", "replay", str(nik[0].id)])
        neither = runner.invoke(app, ["quarantine", "replay"])
    finally:
        get_settings.cache_clear()
    assert listed.exit_code == 0 and {e["id"] for e in json.loads(listed.output)} == {
        e.id for e in nik}
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())  # rich wraps long lines
    assert text.startswith(f"#{nik[0].id} sikesal {nik[0].source_id} "), text[:120]
    assert "stage identity, reason invalid_nik" in text and "raw payload (masked):" in text
    for secret in (raw["nik"], raw["nama_pelapor"], raw["telp_pelapor"]):
        if secret:
            assert secret not in shown.output
    assert raw["nik"][:4] + "********" + raw["nik"][-4:] in shown.output
    assert missing.exit_code == 1
    assert again.exit_code == 1 and "still quarantined" in again.output  # NIK is still invalid
    assert neither.exit_code == 2


async def test_a_new_version_gives_a_ticket_quarantined_at_push_a_fresh_start(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 6, 24)
    sandbox.faults("lapor", error_rate=1.0, error_status=503)
    hub = sandbox.hub(sqlite_url, max_push_attempts=1)
    await sync(hub, ["sikesal"])
    stuck = list_entries(hub, "sikesal", "max_attempts")
    assert len(stuck) == 6 and not sandbox.lapor_reports()
    sandbox.faults("lapor", error_rate=0.0)
    changed = stuck[0].source_id or ""
    # The agency answers one of them in Sikesal's own application: the row's content changes,
    # which the hub stores as a new version of that record.
    async with httpx.AsyncClient() as client:
        edited = await client.post(
            f"{sandbox.endpoints['sikesal'].base_url}/tanggapan",
            data={"id_user": "501", "id_laporan": changed, "status_laporan": "tanggapan",
                  "tanggapan_dinas": "Petugas sudah ke lokasi."})
    assert edited.raise_for_status().json()["success"] == 1
    await sync(hub, ["sikesal"])
    assert _lapor_counts(sandbox) == Counter({changed: 1})
    left = {e.source_id for e in list_entries(hub, "sikesal", "max_attempts")}
    assert changed not in left and left < {e.source_id for e in stuck}
