"""Open311 as a channel: a POSTed request reaches LAPOR! once, and LAPOR!'s answer comes back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from hub.ledger.open311_state import Open311StatusRow
from hub.ledger.tables import InboundEventRow, QuarantineRow, TicketRow
from hub.reconcile.round import reconcile
from hub.sync.pipeline import Hub, sync
from tests.hub.factories import NIK, PHONE
from tests.open311.conftest import EMAIL, JURIS, ROADS, Keys, form
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


def _open311_reports(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sandbox.lapor_reports() if r["sumber"] == "OPEN311"]


async def _post(client: httpx.AsyncClient, body: dict[str, str], fmt: str = "json",
                **headers: str) -> httpx.Response:
    return await client.post(f"requests.{fmt}", data=body, headers=headers)


async def test_a_request_reaches_lapor_exactly_once_however_often_it_is_posted(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    first = await _post(client, form(keys.app))
    again = await _post(client, form(keys.app))
    as_xml = await _post(client, form(keys.app), fmt="xml")
    assert first.status_code == again.status_code == as_xml.status_code == 200
    token = first.json()[0]["token"]
    assert again.json()[0]["token"] == token and f"<token>{token}</token>" in as_xml.text
    pending = (await client.get(f"tokens/{token}.json", params={"jurisdiction_id": JURIS})).json()
    assert pending == [{"service_request_id": None, "token": token}]
    elsewhere = await client.get(f"tokens/{token}.json",
                                 params={"jurisdiction_id": "kota-malang"})
    assert elsewhere.status_code == 404  # a token belongs to the city it was filed with

    await sync(hub, ["open311"])
    await sync(hub, ["open311"])
    [report] = _open311_reports(sandbox)
    assert report["ref_eksternal"] == token
    assert (report["instansi_tujuan"], report["kategori"]) == (
        "DLH-KOTA-JAMBI", "2")  # the topic's LAPOR! id
    assert report["pelapor"]["nik"] == NIK  # identity goes to LAPOR!, and only there
    resolved = (await client.get(f"tokens/{token}.xml", params={"jurisdiction_id": JURIS}))
    with Session(hub.engine) as session:
        row = session.exec(select(TicketRow).where(TicketRow.source_id == token)).one()
    assert f"<service_request_id>{row.id}</service_request_id>" in resolved.text

    # Posted again after it was sent: still the same token, still one report.
    assert (await _post(client, form(keys.app))).json()[0]["token"] == token
    await sync(hub, ["open311"])
    assert len(_open311_reports(sandbox)) == 1


async def test_idempotency_key_makes_a_retried_post_the_same_request(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    one = await _post(client, form(keys.app, 1), **{"Idempotency-Key": "app-42"})
    # The app retries with a field it filled in later: same key, same request.
    two = await _post(client, form(keys.app, 1, media_url="https://img.example/1.jpg"),
                      **{"Idempotency-Key": "app-42"})
    other = await _post(client, form(keys.app, 2))
    assert one.json()[0]["token"] == two.json()[0]["token"] != other.json()[0]["token"]
    await sync(hub, ["open311"])
    assert len(_open311_reports(sandbox)) == 2


async def test_status_and_notes_follow_lapor_and_a_quiet_round_writes_nothing(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    token = (await _post(client, form(keys.app))).json()[0]["token"]
    await sync(hub, ["open311"])
    await reconcile(hub, ["open311"], officers=False)
    with Session(hub.engine) as session:
        row = session.exec(select(TicketRow).where(TicketRow.source_id == token)).one()
    url, params = f"requests/{row.id}.json", {"jurisdiction_id": JURIS}
    [before] = (await client.get(url, params=params)).json()
    assert before["status"] == "open" and row.tracking_id in before["status_notes"]
    assert before["agency_responsible"] == "DLH-KOTA-JAMBI"
    assert "verify and forward to the agency within 3 working days" in before["service_notice"]

    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [row.tracking_id],
                                       "to": "selesai"})
    await reconcile(hub, ["open311"], officers=False)
    [after] = (await client.get(url, params=params)).json()
    [report] = _open311_reports(sandbox)
    assert report["status"] == "selesai"
    assert after["status"] == "closed"
    assert after["status_notes"] == f"SP4N-LAPOR! {row.tracking_id}: " \
        f"{report['tindak_lanjut'][-1]['isi']}"
    with Session(hub.engine) as session:
        version = session.get(Open311StatusRow, token).version  # type: ignore[union-attr]
    quiet = await reconcile(hub, ["open311"], officers=False)
    with Session(hub.engine) as session:
        assert session.get(Open311StatusRow, token).version == version  # type: ignore[union-attr]
    assert quiet.to_channel == quiet.to_lapor == 0


async def test_anonymous_request_carries_no_identity_to_lapor(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    await _post(client, form(keys.app) | {"attribute[anonim]": "true"})
    await sync(hub, ["open311"])
    [report] = _open311_reports(sandbox)
    assert report["anonim"] is True and report["pelapor"] is None


@pytest.mark.parametrize(("change", "expect"), [
    ({"lat": "", "long": "", "address_string": ""}, "a location is required"),
    ({"description": "   "}, "$.description"),
    ({"phone": "call me"}, "$.phone"),
    ({"attribute[nik]": "12345"}, "$.nik"),
    ({"lat": "north"}, "lat is not a number"),
])
async def test_a_bad_request_is_400_in_the_spec_shape_and_kept_in_quarantine(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, change: dict[str, str],
        expect: str) -> None:
    response = await _post(client, form(keys.app) | change)
    assert response.status_code == 400
    [problem] = response.json()
    assert problem["code"] == 400 and expect in problem["description"]
    for secret in (NIK, PHONE, EMAIL, "call me"):
        assert secret not in response.text
    with Session(hub.engine) as session:
        assert not list(session.exec(select(InboundEventRow)))
        held = list(session.exec(select(QuarantineRow)))
    if "not a number" in expect:
        assert held == []  # nothing to keep: no record could be built
    else:
        [entry] = held
        assert (entry.channel, entry.reason) == ("open311", "schema_violation")
        assert NIK not in entry.detail and PHONE not in entry.detail


@pytest.mark.parametrize(("change", "status", "expect"), [
    ({"api_key": ""}, 403, "api_key is required"),
    ({"api_key": "lh_000000000000_" + "x" * 40}, 403, "invalid api_key"),
    ({"jurisdiction_id": "kota-atlantis"}, 404, "not served here"),
    ({"service_code": ROADS.replace("jambi", "malang")}, 400, "is not a service of kota-jambi"),
    ({"service_code": ""}, 400, "service_code is required"),
])
async def test_refused_posts_store_nothing(hub: Hub, keys: Keys, client: httpx.AsyncClient,
                                           change: dict[str, str], status: int,
                                           expect: str) -> None:
    for fmt in ("json", "xml"):
        response = await _post(client, form(keys.app) | change, fmt=fmt)
        assert response.status_code == status
        assert expect in response.text
    with Session(hub.engine) as session:
        assert not list(session.exec(select(InboundEventRow)))
