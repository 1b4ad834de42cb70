"""Cities that already forward: Kota Malang's own link files Sambat reports into LAPOR!.

With ``LAPOR_HUB_SAMBAT__FILED_BY=city`` the hub never POSTs a Sambat ticket; it finds the
city's report (by reference, else by the stated match) and adopts it. Real HTTP throughout: the
LAPOR! simulator's forwarder reads the Sambat simulator over HTTP and files into LAPOR! itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlmodel import Session, select

from hub.ledger.sync_state import SyncIssueRow
from hub.ledger.tables import AuditRow, QuarantineRow, SendState, TicketRow
from hub.reconcile.round import reconcile
from hub.sync.pipeline import Hub, sync
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
SUMBER = "SAMBAT-MALANG"


def _forwarder(sandbox: Sandbox, **config: Any) -> dict[str, Any]:
    body = {"enabled": True, "source_url": sandbox.endpoints["sambat"].root, **config}
    view: dict[str, Any] = sandbox.admin("lapor", "forwarder", body)
    return view


def _forward(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.admin("lapor", "forwarder/run")
    view: dict[str, Any] = httpx_get(sandbox, "lapor", "/_sim/forwarder")
    return view


def httpx_get(sandbox: Sandbox, system: str, path: str) -> Any:
    import httpx

    response = httpx.get(sandbox.endpoints[system].root + path, timeout=30)
    response.raise_for_status()
    return response.json()


def _city_hub(sandbox: Sandbox, db_url: str, **adoption: float) -> Hub:
    hub = sandbox.hub(db_url)
    hub.settings.sambat.filed_by = "city"
    hub.settings.adoption.recheck_s = 0.0
    for name, value in adoption.items():
        setattr(hub.settings.adoption, name, value)
    return hub


def _rows(hub: Hub, channel: str = "sambat") -> dict[str, TicketRow]:
    with Session(hub.engine) as session:
        return {r.source_id: r for r in session.exec(
            select(TicketRow).where(TicketRow.channel == channel))}


def _quarantine(hub: Hub) -> dict[str, QuarantineRow]:
    with Session(hub.engine) as session:
        return {str(q.source_id): q for q in session.exec(
            select(QuarantineRow).where(QuarantineRow.channel == "sambat",
                                        QuarantineRow.stage == "push"))}


def _posts(sandbox: Sandbox) -> dict[str, int]:
    posts: dict[str, int] = sandbox.state("lapor")["posts_by_sumber"]
    return posts


def _assert_never_doubled(hub: Hub) -> None:
    rows = _rows(hub)
    held = Counter(r.tracking_id for r in rows.values() if r.tracking_id)
    assert all(n == 1 for n in held.values()), held


async def test_the_hub_files_nothing_for_a_city_filed_channel_and_adopts_each_report_once(
        sandbox: Sandbox, db_url: str) -> None:
    sandbox.seed("sambat", 40, 31)
    ids = sorted(r["id"] for r in sandbox.state("sambat")["records"])
    late, twice = ids[3], ids[7]
    _forwarder(sandbox, ref_rate=0.5, hold=[late], twice=[twice], seed=4)
    view = _forward(sandbox)
    forwarded: dict[str, list[str]] = view["forwarded"]
    assert late not in forwarded and len(forwarded[twice]) == 2
    reports = {r["tracking_id"]: r for r in sandbox.lapor_reports()}
    with_ref = [s for s, tids in forwarded.items() if reports[tids[0]]["ref_eksternal"]]
    assert 0 < len(with_ref) < len(forwarded)  # some with Sambat's reference, some without
    hub = _city_hub(sandbox, db_url)

    first = (await sync(hub, ["sambat"])).channels["sambat"]

    assert _posts(sandbox).get(SUMBER, 0) == 0 and sum(_posts(sandbox).values()) == 0
    rows = _rows(hub)
    single = {s: tids[0] for s, tids in forwarded.items() if s != twice}
    assert {s: rows[s].tracking_id for s in single} == single
    assert all(rows[s].state == SendState.sent for s in single)
    assert first.adopted == len(single) and first.sent == 0
    assert (first.awaiting_city, first.doubtful, first.not_found) == (1, 1, 0)
    doubtful = _quarantine(hub)[twice]
    assert doubtful.reason == "adoption_doubtful"
    assert all(tid in doubtful.detail for tid in forwarded[twice])
    assert reports[forwarded[twice][0]]["isi"] not in doubtful.detail  # ids and scores only
    assert rows[late].state == SendState.pending and rows[late].tracking_id is None
    with Session(hub.engine) as session:
        how = Counter(json_how(a.detail) for a in session.exec(
            select(AuditRow).where(AuditRow.event == "ticket.adopted")))
    assert how == Counter({"reference": len([s for s in with_ref if s != twice]),
                           "match": len(single) - len([s for s in with_ref if s != twice])})

    quiet = (await sync(hub, ["sambat"])).channels["sambat"]  # the link still lags
    assert (quiet.adopted, quiet.awaiting_city) == (0, 1)
    _forwarder(sandbox, hold=[])
    catch_up = _forward(sandbox)
    caught = (await sync(hub, ["sambat"])).channels["sambat"]
    assert caught.adopted == 1 and caught.awaiting_city == 0
    assert _rows(hub)[late].tracking_id == catch_up["forwarded"][late][0]
    assert _posts(sandbox).get(SUMBER, 0) == 0
    assert len(sandbox.lapor_reports()) == len(reports) + 1
    _assert_never_doubled(hub)


def json_how(detail: str | None) -> str:
    import json

    return str(json.loads(detail or "{}").get("how"))


async def test_a_status_change_in_lapor_on_an_adopted_report_reaches_sambat(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 16, 5)
    _forwarder(sandbox, ref_rate=0.0, seed=2)
    _forward(sandbox)
    hub = _city_hub(sandbox, sqlite_url)
    await reconcile(hub, ["sambat"])  # a round before adoption meets the city's reports unknown
    with Session(hub.engine) as session:
        unknown = list(session.exec(select(SyncIssueRow).where(
            SyncIssueRow.reason == "unknown_ticket")))
    assert unknown
    await sync(hub, ["sambat"])
    await reconcile(hub, ["sambat"], pull_channels=False)
    records = {r["id"]: r for r in sandbox.state("sambat")["records"]}
    rows = _rows(hub)
    fresh = [s for s, r in records.items() if r["status"] == "masuk" and rows[s].tracking_id]
    assert fresh
    target = fresh[0]
    tracking_id = str(rows[target].tracking_id)
    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [tracking_id]})
    result = await reconcile(hub, ["sambat"])
    assert result.to_channel >= 1
    now = {r["id"]: r for r in sandbox.state("sambat")["records"]}
    replies = [b["isi"] for b in now[target]["balasan"]]
    assert any(tracking_id in text for text in replies)
    with Session(hub.engine) as session:
        open_unknown = list(session.exec(select(SyncIssueRow).where(
            SyncIssueRow.reason == "unknown_ticket",
            SyncIssueRow.resolved_at == None)))  # noqa: E711
    assert open_unknown == []  # resolved by the adoption
    assert _posts(sandbox).get(SUMBER, 0) == 0


async def test_hub_filed_channels_are_unaffected_and_a_missing_report_goes_to_a_human(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 12, 8)
    sandbox.seed("sikesal", 12, 8)
    hub = _city_hub(sandbox, sqlite_url, deadline_s=0.0)  # forwarder off: the city never files

    summary = await sync(hub, ["sambat", "sikesal"])

    sikesal = _rows(hub, "sikesal")
    assert summary.channels["sikesal"].sent == len(sikesal) > 0
    assert all(r.state == SendState.sent for r in sikesal.values())
    posts = _posts(sandbox)
    assert posts.get(SUMBER, 0) == 0 and sum(posts.values()) == len(sikesal)
    assert summary.channels["sambat"].not_found == len(_rows(hub)) == 12
    quarantined = _quarantine(hub)
    assert {q.reason for q in quarantined.values()} == {"adoption_not_found"}
    assert all(r.state == SendState.quarantined for r in _rows(hub).values())


def _copy_ticket(hub: Hub, source: str, target: str, **changes: Any) -> None:
    """Make ``target`` tell the same story as ``source`` (two citizens, one pothole)."""
    import json

    with Session(hub.engine) as session:
        rows = {r.source_id: r for r in session.exec(select(TicketRow).where(
            TicketRow.source_id.in_([source, target])))}  # type: ignore[attr-defined]
        a, b = json.loads(rows[source].payload), json.loads(rows[target].payload)
        for key in ("isi", "judul", "dibuat", "kelurahan", "kecamatan", "lat", "lng", "lokasi"):
            b[key] = a[key]
        b.update(changes)
        rows[target].payload = json.dumps(b)
        session.add(rows[target])
        session.commit()


@pytest.mark.parametrize("elsewhere", [False, True])
async def test_two_tickets_wanting_one_report(sandbox: Sandbox, sqlite_url: str,
                                              elsewhere: bool) -> None:
    sandbox.seed("sambat", 10, 12)
    records = {r["id"]: r for r in sandbox.state("sambat")["records"]}
    web = sorted(i for i, r in records.items() if r["kanal"] == "web")
    first, second = web[0], web[1]
    hub = _city_hub(sandbox, sqlite_url)
    hub.settings.adoption.recheck_s = 3600.0
    await sync(hub, ["sambat"])  # nothing forwarded yet: everything waits
    assert all(r.state == SendState.pending for r in _rows(hub).values())
    other = {"kelurahan": "Sawojajar", "kecamatan": "Kedungkandang"} if elsewhere else {}
    _copy_ticket(hub, first, second, **other)
    _forwarder(sandbox, ref_rate=0.0, hold=sorted(set(records) - {first}))
    tracking_id = _forward(sandbox)["forwarded"][first][0]
    with Session(hub.engine) as session:  # due again now
        for row in session.exec(select(TicketRow)):
            row.next_attempt_at = row.created_at
            session.add(row)
        session.commit()

    summary = (await sync(hub, ["sambat"])).channels["sambat"]

    rows = _rows(hub)
    if elsewhere:  # the one in the right kelurahan takes it; the other waits for its own
        assert rows[first].tracking_id == tracking_id and rows[second].state == SendState.pending
        assert (summary.adopted, summary.doubtful) == (1, 0)
    else:  # no way to tell them apart: a human decides, nothing is linked
        assert summary.doubtful == 2 and summary.adopted == 0
        quarantined = _quarantine(hub)
        assert {quarantined[first].reason, quarantined[second].reason} == {"adoption_doubtful"}
        assert tracking_id in quarantined[second].detail
        assert "another ticket" in quarantined[second].detail
    assert _posts(sandbox).get(SUMBER, 0) == 0


async def test_an_adapter_that_can_neither_look_up_nor_search_quarantines_instead_of_filing(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sambat", 6, 58)
    base = sandbox.settings(sqlite_url).lapor
    lapor = base.model_copy(update={"adapter": "legacy_xml",
                                    "legacy_base_url": sandbox.endpoints["lapor"].root})
    hub = sandbox.hub(sqlite_url, lapor=lapor)
    hub.settings.sambat.filed_by = "city"
    summary = await sync(hub, ["sambat"])
    assert _posts(sandbox).get(SUMBER, 0) == 0 and sandbox.lapor_reports() == []
    parked = _quarantine(hub)
    assert len(parked) == 6 == summary.channels["sambat"].not_found
    assert {q.reason for q in parked.values()} == {"adoption_unavailable"}
    assert all("legacy_xml cannot search" in q.detail for q in parked.values())
