"""112 over the hub's intake: authenticated, durable, idempotent; only complaints reach LAPOR!."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from hub.core.settings import IntakeSettings
from hub.intake.app import create_app
from hub.ledger.tables import InboundEventRow, QuarantineRow, SendState, TicketRow
from hub.sync.pipeline import Hub, sync
from simulators.runner import Endpoint, running
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
TOKEN = "intake-test-token"


@pytest.fixture
def hub(sandbox: Sandbox, sqlite_url: str) -> Hub:
    return sandbox.hub(sqlite_url,
                       intake=IntakeSettings(tokens={"call112": SecretStr(TOKEN)}))


@pytest.fixture
def intake(hub: Hub) -> Iterator[Endpoint]:
    with running({"intake": create_app(hub)}) as served:
        yield served["intake"]


def _post(intake: Endpoint, body: Any, token: str = TOKEN, raw: bytes | None = None
          ) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return httpx.post(f"{intake.root}/events/call112", headers=headers, timeout=10,
                      content=raw if raw is not None else httpx.Request(
                          "POST", "http://x", json=body).content)


def _call(n: int = 1, kelas: str = "pengaduan") -> dict[str, Any]:
    return {"id_panggilan": f"112-T-{n:04d}", "versi": 1, "kelas": kelas,
            "kategori": "jalan_rusak", "judul": "Jalan rusak", "uraian": "Lubang besar",
            "lokasi": "Jl. Juanda", "waktu": "2026-11-20T08:00:00+08:00",
            "penelepon": {"telepon": "081234567890"}}


def test_bad_token_is_401_and_not_stored(hub: Hub, intake: Endpoint) -> None:
    assert _post(intake, _call(), token="wrong").status_code == 401
    no_auth = httpx.post(f"{intake.root}/events/call112", json=_call(), timeout=10)
    assert no_auth.status_code == 401
    with Session(hub.engine) as session:
        assert not list(session.exec(select(InboundEventRow)))


def test_unknown_channel_is_404(intake: Endpoint) -> None:
    response = httpx.post(f"{intake.root}/events/sikesal", json={}, timeout=10,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404


def test_event_is_stored_once_however_often_it_is_delivered(hub: Hub, intake: Endpoint) -> None:
    first = _post(intake, _call(1))
    again = _post(intake, _call(1))
    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    with Session(hub.engine) as session:
        assert len(list(session.exec(select(InboundEventRow)))) == 1


def test_malformed_event_is_422_and_kept_for_replay(hub: Hub, intake: Endpoint) -> None:
    not_json = _post(intake, None, raw=b'{"id_panggilan": "112-T-9", "kel')
    no_id = _post(intake, {"kelas": "pengaduan"})
    assert not_json.status_code == 422 and "quarantine" in not_json.json()["detail"]
    assert no_id.status_code == 422
    with Session(hub.engine) as session:
        kept = list(session.exec(select(QuarantineRow).where(QuarantineRow.stage == "intake")))
    assert sorted(q.reason for q in kept) == ["malformed_event", "schema_violation"]
    assert all(q.raw for q in kept)


async def test_only_complaints_reach_lapor_emergencies_never_and_the_rest_is_counted(
        sandbox: Sandbox, hub: Hub, intake: Endpoint) -> None:
    sandbox.seed("call112", 80, 31, bad_rate=0.05)
    sandbox.faults("call112", duplicate_rate=0.2, seed=1)
    delivered = sandbox.admin("call112", "deliver",
                              {"target": f"{intake.root}/events/call112", "token": TOKEN})
    assert delivered["duplicate"] > 0 and delivered["failed"] == 0
    summary = await sync(hub, ["call112"])
    calls = {c["id_panggilan"]: c for c in sandbox.state("call112")["calls"]}
    classes = Counter(c["kelas"] for c in calls.values())
    with Session(hub.engine) as session:
        rows = {r.source_id: r for r in session.exec(select(TicketRow))}
        open_q = {q.source_id for q in session.exec(
            select(QuarantineRow).where(col(QuarantineRow.resolved_at).is_(None)))}
    reports = sandbox.lapor_reports()
    sent_refs = Counter(r["ref_eksternal"] for r in reports)
    assert max(sent_refs.values()) == 1
    for call_id, call in calls.items():
        if call["kelas"] == "darurat":
            assert call_id not in sent_refs and rows[call_id].state == SendState.skipped
        elif call["kelas"] in {"prank", "ghost", "informasi"}:
            assert rows[call_id].state == SendState.skipped
            assert (rows[call_id].skip_reason or "").startswith(call["kelas"])
        else:  # a complaint, or a call the mapping cannot classify: sent or quarantined
            assert call_id in sent_refs or call_id in open_q, call_id
    skipped = sum(classes[k] for k in ("darurat", "informasi", "prank", "ghost"))
    assert summary.channels["call112"].skipped == skipped
    assert all(r["sumber"] == "CC112-SAMARINDA" for r in reports)
