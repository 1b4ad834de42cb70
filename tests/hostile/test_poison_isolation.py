"""One poisoned ticket settles alone: the rest of its batch (every channel) reaches LAPOR!."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from hub.core.settings import IntakeSettings
from hub.intake.app import create_app
from hub.ledger.tables import QuarantineRow, SendState, TicketRow
from hub.sync.pipeline import Hub, pull, push_all, sync
from simulators.runner import Endpoint, running
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
TOKEN = "poison-test-token"
PULLED = ("sikesal", "laksa", "sambat", "simtramtibum")


@pytest.fixture
def hub(sandbox: Sandbox, sqlite_url: str) -> Hub:
    return sandbox.hub(sqlite_url, intake=IntakeSettings(tokens={"call112": SecretStr(TOKEN)}))


@pytest.fixture
def intake(hub: Hub) -> Iterator[Endpoint]:
    with running({"intake": create_app(hub)}) as served:
        yield served["intake"]


def _call(n: int, judul: str = "Jalan rusak") -> dict[str, Any]:
    return {"id_panggilan": f"112-P-{n:04d}", "versi": 1, "kelas": "pengaduan",
            "kategori": "jalan_rusak", "judul": judul, "uraian": "Lubang besar di tengah jalan",
            "lokasi": "Jl. Juanda", "waktu": "2026-11-20T08:00:00+08:00",
            "penelepon": {"telepon": "081234567890"}}


def _post(intake: Endpoint, body: Any) -> httpx.Response:
    return httpx.post(f"{intake.root}/events/call112", json=body, timeout=10,
                      headers={"Authorization": f"Bearer {TOKEN}"})


def _rows(hub: Hub) -> list[TicketRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(TicketRow)))


def _poison(hub: Hub, channel: str) -> str:
    """Make one stored ticket unbuildable (a blank title), as a mapping bug could."""
    with Session(hub.engine) as session:
        row = session.exec(select(TicketRow).where(TicketRow.channel == channel,
                                                   TicketRow.state == SendState.pending)).first()
        assert row is not None, channel
        payload = json.loads(row.payload)
        payload["judul"] = ""
        row.payload = json.dumps(payload)
        session.add(row)
        session.commit()
        return row.source_id


async def test_blank_112_title_is_quarantined_and_every_other_call_is_delivered(
        sandbox: Sandbox, hub: Hub, intake: Endpoint) -> None:
    bodies = [_call(i) for i in range(1, 100)] + [_call(100, judul="   ")]
    assert {_post(intake, b).status_code for b in bodies} == {202}
    summary = await sync(hub, ["call112"])
    assert summary.errors == {}
    refs = Counter(r["ref_eksternal"] for r in sandbox.lapor_reports())
    assert refs == Counter({f"112-P-{i:04d}": 1 for i in range(1, 100)})
    with Session(hub.engine) as session:
        q = session.exec(select(QuarantineRow).where(
            QuarantineRow.source_id == "112-P-0100")).one()
    assert (q.reason, q.stage) == ("bad_value", "map") and "judul" in q.detail


async def test_a_ticket_that_cannot_be_built_settles_alone_on_every_channel(
        sandbox: Sandbox, hub: Hub, intake: Endpoint) -> None:
    for n, channel in enumerate(PULLED):
        sandbox.seed(channel, 30, 50 + n)
    assert {_post(intake, _call(i)).status_code for i in range(1, 31)} == {202}
    for channel in (*PULLED, "call112"):
        await pull(hub, channel)
    poisoned = {channel: _poison(hub, channel) for channel in (*PULLED, "call112")}
    counts = await push_all(hub)  # one claim spans every channel

    rows = _rows(hub)
    assert not [r for r in rows if r.state == SendState.sending]
    for channel, source_id in poisoned.items():
        bad = next(r for r in rows if r.channel == channel and r.source_id == source_id)
        assert bad.state == SendState.quarantined and bad.attempts == 1, channel
        assert counts[channel].quarantined == 1
    valid = [r for r in rows if r.state not in (SendState.skipped,)
             and (r.channel, r.source_id) not in poisoned.items()]
    assert valid and all(r.state == SendState.sent for r in valid)
    refs = Counter(r["ref_eksternal"] for r in sandbox.lapor_reports())
    assert max(refs.values()) == 1 and len(refs) == len(valid)
    with Session(hub.engine) as session:
        reasons = {q.source_id: (q.reason, q.detail) for q in session.exec(
            select(QuarantineRow).where(QuarantineRow.stage == "push"))}
    assert set(reasons) == set(poisoned.values())
    assert all(reason == "bad_report" and "judul" in detail
               for reason, detail in reasons.values())
