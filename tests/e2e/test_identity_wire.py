"""Reporter identity on the real Dukcapil wire, over HTTPS with a pinned self-signed certificate:
channel → Dukcapil → ledger → LAPOR!, the cache, fuzzy names and setup faults."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.tables import IdentityCacheRow, TicketRow
from hub.sync.pipeline import Hub, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _rows(hub: Hub) -> dict[str, TicketRow]:
    with Session(hub.engine) as session:
        return {r.source_id: r for r in session.exec(select(TicketRow))}


def _cache(hub: Hub) -> list[IdentityCacheRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(IdentityCacheRow)))


def _reporters(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {str(r["id_laporan"]): {"nik": r["nik"], "nama": r["nama_pelapor"]}
            for r in sandbox.state("sikesal")["records"] if r["nik"]}


async def test_a_real_shaped_success_verifies_the_reporter_all_the_way_to_lapor(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sikesal", 60, 31)
    hub = sandbox.hub(db_url)
    assert hub.settings.dukcapil.base_url.startswith("https://")  # the gateway's own TLS
    await sync(hub)
    rows = _rows(hub)
    verified = {sid for sid, r in rows.items() if r.identity_status == "verified"}
    assert len(verified) > 30
    by_ref = {str(r["ref_eksternal"]): r for r in sandbox.lapor_reports()}
    for sid in verified:
        report = next(rep for ref, rep in by_ref.items() if ref.endswith(sid))
        assert report["pelapor"]["terverifikasi"] is True
    # A success is cached with no code: the gateway sent none.
    assert {c.response_code for c in _cache(hub) if c.status == "verified"} == {""}


async def test_names_recorded_otherwise_are_judged_by_score_against_the_hub_setting(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 300, 32)
    renamed = set(sandbox.state("dukcapil")["renamed"])
    reporters = _reporters(sandbox)
    drifted = {sid for sid, p in reporters.items() if p["nik"] in renamed}
    assert drifted
    strict = sandbox.hub(sqlite_url, dukcapil=sandbox.settings(sqlite_url).dukcapil.model_copy(
        update={"min_score": 100}))
    await sync(strict)
    rows = _rows(strict)
    for sid in drifted & set(rows):
        assert rows[sid].identity_status == "unverified"
        assert rows[sid].identity_note == "Dukcapil: does not match (NAMA_LGKP)"
    exact = [sid for sid in set(reporters) - drifted if sid in rows
             and rows[sid].identity_note is None]
    assert exact and all(rows[sid].identity_status == "verified" for sid in exact)


@pytest.mark.parametrize(("config", "code"), [({"account": "user_inactive"}, "17"),
                                               ({"allowed_ips": ["10.1.2.3"]}, "04"),
                                               ({"account": "instansi_inactive"}, "16")])
async def test_a_setup_fault_stops_checks_and_caches_nobody_as_unverified(
        sandbox: Sandbox, db_url: str, config: dict[str, Any], code: str) -> None:
    sandbox.seed("sikesal", 40, 33)
    sandbox.admin("dukcapil", "config", config)
    hub = sandbox.hub(db_url)
    await sync(hub)
    named = [r for r in _rows(hub).values() if r.identity_status != "not_applicable"]
    assert named and all(r.identity_status == "unverified" for r in named)
    assert all(f"code {code}:" in (r.identity_note or "") for r in named)
    assert _cache(hub) == []  # nothing about any person was learnt
    assert len(sandbox.lapor_reports()) == 40  # and every report still went on
