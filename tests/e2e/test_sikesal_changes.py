"""Sikesal has no updated-at column: the hub sees a change by content, over real HTTP.

An OPD's answer (``tanggapan``) or a closure (``selesai``) made in Sikesal after the hub first read
the row reaches SP4N-LAPOR! exactly once; a run over unchanged rows sends nothing; rows changed
while the pages are read are not lost; naive WIB times are stored with their +07:00 offset.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from hub.ledger.tables import AuditRow, TicketRow
from hub.mapping.engine import fingerprint
from hub.reconcile.round import ReconcileSummary, reconcile
from hub.sync.pipeline import Hub, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _answer(sandbox: Sandbox, id_laporan: int, status: str, text: str | None = None) -> None:
    """An OPD officer answers in Sikesal's own app (the same PHP script the hub writes through)."""
    form = {"id_user": "501", "id_laporan": str(id_laporan), "status_laporan": status}
    if text is not None:
        form["tanggapan_dinas"] = text
    body = httpx.post(f"{sandbox.endpoints['sikesal'].base_url}/tanggapan", data=form).json()
    assert body["success"] == 1, body


async def _round(hub: Hub) -> ReconcileSummary:
    await sync(hub, ["sikesal"])
    return await reconcile(hub, ["sikesal"], officers=False)


def _rows(hub: Hub) -> dict[str, TicketRow]:
    with Session(hub.engine) as session:
        return {r.source_id: r for r in session.exec(select(TicketRow))}


def _new_versions(hub: Hub) -> int:
    with Session(hub.engine) as session:
        return len(list(session.exec(select(AuditRow.id).where(
            col(AuditRow.event) == "ticket.new_version"))))


def _reports(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {r["ref_eksternal"]: r for r in sandbox.lapor_reports()}


def _lapor_writes(sandbox: Sandbox) -> int:
    return sum(len(r["tindak_lanjut"]) for r in sandbox.lapor_reports())


async def test_an_answer_and_a_closure_after_the_first_read_reach_lapor_exactly_once(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 30, 31)
    hub = sandbox.hub(db_url)
    await _round(hub)
    await _round(hub)
    baru = [r["id_laporan"] for r in sandbox.state("sikesal")["records"]
            if r["status_laporan"] == "baru"][:2]
    assert len(baru) == 2
    answered, closed = baru
    before = _rows(hub)
    assert before[str(answered)].source_version == f"{1:020d}"
    text = "Tim DPUPR sudah meninjau lokasi; penambalan dijadwalkan minggu ini."
    _answer(sandbox, answered, "tanggapan", text)
    _answer(sandbox, closed, "selesai")
    moved = await _round(hub)
    assert moved.to_lapor == 2 and moved.to_channel == 0
    after = _rows(hub)
    # A changed fingerprint is a new, hub-assigned version; an unchanged row keeps its own.
    assert after[str(answered)].source_version == after[str(closed)].source_version == \
        f"{2:020d}"
    assert {k for k, r in after.items() if r.source_version != before[k].source_version} == {
        str(answered), str(closed)}
    reports = _reports(sandbox)
    relayed = [t["isi"] for t in reports[str(answered)]["tindak_lanjut"]]
    assert reports[str(answered)]["status"] == "tindak_lanjut" and relayed.count(text) == 1
    assert reports[str(closed)]["status"] == "selesai"
    assert sum("SIKESAL-JAMBI: selesai" in t["isi"]
               for t in reports[str(closed)]["tindak_lanjut"]) == 1
    writes = _lapor_writes(sandbox)
    for _ in range(2):
        quiet = await _round(hub)
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _lapor_writes(sandbox) == writes


async def test_a_run_over_unchanged_rows_stores_and_sends_nothing(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 40, 32)
    hub = sandbox.hub(sqlite_url, page_size=15)
    first = await sync(hub, ["sikesal"])
    assert first.channels["sikesal"].new == 40
    await reconcile(hub, ["sikesal"], officers=False)  # statuses beyond "baru" reach LAPOR!
    await reconcile(hub, ["sikesal"], officers=False)
    versions, writes = _new_versions(hub), _lapor_writes(sandbox)
    reports = len(sandbox.lapor_reports())
    for _ in range(2):
        again = await sync(hub, ["sikesal"])
        channel = again.channels["sikesal"]
        assert channel.pulled == 40  # re-read (the window covers every id here) ...
        assert (channel.new, channel.updated, channel.sent) == (0, 0, 0)  # ... and skipped
        quiet = await reconcile(hub, ["sikesal"], officers=False)
        assert quiet.to_lapor == quiet.to_channel == 0
    assert _new_versions(hub) == versions
    assert (len(sandbox.lapor_reports()), _lapor_writes(sandbox)) == (reports, writes)


async def test_rows_changed_while_the_pages_are_read_are_not_lost(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 90, 33)
    # Officers answer between every two page fetches; duplicates and shuffles on the wire.
    sandbox.faults("sikesal", churn_per_page=4, duplicate_rate=0.2, reorder=True, seed=7)
    hub = sandbox.hub(db_url, page_size=10)
    await _round(hub)
    sandbox.faults("sikesal", churn_per_page=0, duplicate_rate=0.0, reorder=False)
    await _round(hub)  # the re-scan sees what changed behind the first run's pages
    await _round(hub)
    source = {str(r["id_laporan"]): r for r in sandbox.state("sikesal")["records"]}
    rows = _rows(hub)
    assert {k: r.source_fingerprint for k, r in rows.items()} == {
        k: fingerprint(r, ["view"]) for k, r in source.items()}
    reports = _reports(sandbox)
    assert sorted(reports) == sorted(source)  # each row once in LAPOR!
    to_lapor = hub.mappings["sikesal"].status.to_lapor
    for key, row in source.items():
        assert reports[key]["status"] == to_lapor[row["status_laporan"]], key
        if row["tanggapan_dinas"]:  # the OPD's answer, relayed once
            texts = [t["isi"] for t in reports[key]["tindak_lanjut"]]
            assert sum(row["tanggapan_dinas"] in t for t in texts) == 1, key


async def test_naive_sikesal_times_are_read_as_wib_and_stored_with_their_offset(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 5, 34)
    hub = sandbox.hub(sqlite_url)
    await sync(hub, ["sikesal"])
    source = {str(r["id_laporan"]): r for r in sandbox.state("sikesal")["records"]}
    reports = _reports(sandbox)
    for key, row in _rows(hub).items():
        payload = json.loads(row.payload)
        stamp = source[key]["tanggal_lapor"]  # "2026-11-20 08:15:00", no offset
        assert payload["dibuat"] == stamp.replace(" ", "T") + "+07:00"
        assert reports[key]["tanggal_kejadian"].startswith(stamp.replace(" ", "T"))
        assert reports[key]["tanggal_kejadian"].endswith("+07:00")
