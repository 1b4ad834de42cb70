"""Laksa → SIAK → ledger → SP4N-LAPOR! over real HTTP, through the same engine as Sikesal."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.tables import QuarantineRow, TicketRow
from hub.sync.pipeline import Hub, pull, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
SKPD = {"jalanrusak": "DPUPR-KOTA-TANGERANG", "drainase": "DPUPR-KOTA-TANGERANG",
        "sampah": "DLH-KOTA-TANGERANG", "lampumati": "DISHUB-KOTA-TANGERANG",
        "pju": "DISHUB-KOTA-TANGERANG", "banjir": "BPBD-KOTA-TANGERANG",
        "pohontumbang": "DISPERKIMTAN-KOTA-TANGERANG", "parkirliar": "DISHUB-KOTA-TANGERANG",
        "pkl": "SATPOLPP-KOTA-TANGERANG"}


def _expected_instansi(isi: str) -> str | None:
    """The SKPD of the first known hashtag; None (unrouted, for LAPOR!'s admins) without one."""
    known = [t.lower() for t in re.findall(r"#(\w+)", isi) if t.lower() in SKPD]
    return SKPD[known[0]] if known else None


def _rows(hub: Hub, model: Any) -> list[Any]:
    with Session(hub.engine) as session:
        return list(session.exec(select(model).where(model.channel == "laksa")))


async def test_valid_reports_reach_lapor_once_routed_by_hashtag_and_bad_ones_are_quarantined(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("laksa", 120, 31, bad_rate=0.1)
    hub = sandbox.hub(sqlite_url)
    summary = await sync(hub)
    channel = summary.channels["laksa"]
    assert channel.error is None and channel.pulled == 120
    quarantined = _rows(hub, QuarantineRow)
    assert quarantined and {q.reason for q in quarantined} <= {"schema_violation", "invalid_nik"}
    truth = {str(r["id"]): r for r in sandbox.state("laksa")["records"]}
    reports = [r for r in sandbox.lapor_reports() if r["sumber"] == "LAKSA-TANGERANG"]
    assert channel.sent == len(reports) == 120 - len(quarantined)
    assert max(Counter(r["ref_eksternal"] for r in reports).values()) == 1
    for report in reports:
        isi = truth[report["ref_eksternal"]]["isi"]
        assert report["instansi_tujuan"] == _expected_instansi(isi)
    unrouted = Counter(r["instansi_tujuan"] for r in reports)[None]
    assert unrouted >= 5 and channel.unrouted == unrouted  # counted, not forced to an agency
    assert {r["kategori"] for r in reports if r["instansi_tujuan"] is None} == {"8"}  # Lainnya


async def test_reports_updated_while_paging_are_caught_at_their_latest_version(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("laksa", 90, 32)
    sandbox.faults("laksa", churn_per_page=4, duplicate_rate=0.2, seed=6)
    hub = sandbox.hub(sqlite_url, page_size=10)
    await pull(hub, "laksa")
    sandbox.faults("laksa", churn_per_page=0, duplicate_rate=0.0)
    again = await pull(hub, "laksa")
    assert again.stored.updated > 0, "the second run picks up what changed during the first"
    stored = {r.source_id: r.source_version for r in _rows(hub, TicketRow)}
    truth = {str(r["id"]): f"{r['updated_at']:020d}" for r in sandbox.state("laksa")["records"]}
    assert stored == truth
