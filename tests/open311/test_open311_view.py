"""Open311 as a read view: the spec's filters and limits, and the read API's privacy rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub.open311 import routes
from hub.open311.routes import create_router
from hub.sync.pipeline import Hub, sync
from tests.hub.factories import NIK, PHONE
from tests.open311.conftest import EMAIL, FIRST, JURIS, LAST, ROADS, WASTE, Keys, form

pytestmark = pytest.mark.anyio
PERSONAL = (NIK, PHONE, EMAIL, FIRST, LAST, "first_name", "last_name", "email", "phone",
            "nik")


async def _filed(hub: Hub, client: httpx.AsyncClient, keys: Keys,
                 *bodies: dict[str, str]) -> list[str]:
    """POST each, sync, and return their service_request_ids (in POST order)."""
    tokens = [(await client.post("requests.json", data=b)).json()[0]["token"] for b in bodies]
    await sync(hub, ["open311"])
    ids = []
    for token in tokens:
        [found] = (await client.get(f"tokens/{token}.json",
                                    params={"jurisdiction_id": JURIS})).json()
        ids.append(found["service_request_id"])
    return ids


async def _list(client: httpx.AsyncClient, **params: str) -> Any:
    response = await client.get("requests.json", params={"jurisdiction_id": JURIS, **params})
    assert response.status_code == 200, response.text
    return response.json()


async def test_filters_by_id_list_service_code_status_and_dates(
        hub: Hub, keys: Keys, client: httpx.AsyncClient) -> None:
    waste, roads, waste2 = await _filed(hub, client, keys, form(keys.app, 1),
                                        form(keys.app, 2, code=ROADS), form(keys.app, 3))
    assert [r["service_request_id"] for r in await _list(client)] == [waste2, roads, waste]
    assert {r["service_request_id"] for r in await _list(
        client, service_request_id=f"{waste},{roads},999999")} == {waste, roads}
    assert {r["service_request_id"] for r in await _list(client, service_code=WASTE)} == {
        waste, waste2}
    assert len(await _list(client, service_code=f"{WASTE},{ROADS}")) == 3
    assert len(await _list(client, status="open")) == 3
    assert await _list(client, status="closed") == []
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert len(await _list(client, start_date=yesterday)) == 3
    assert await _list(client, end_date=yesterday) == []
    # service_request_id overrides every other filter, as the specification says.
    assert len(await _list(client, service_request_id=waste, status="closed")) == 1


@pytest.mark.parametrize(("params", "expect"), [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
    ({"start_date": "yesterday"}, "W3C"),
    ({"status": "pending"}, "status must be"),
    ({"service_request_id": "1,abc"}, "service_request_id"),
    ({"jurisdiction_id": ""}, "jurisdiction_id is required"),
    ({"api_key": "not-a-key"}, "invalid api_key"),
])
async def test_bad_query_parameters_are_answered_in_the_spec_error_shape(
        client: httpx.AsyncClient, params: dict[str, str], expect: str) -> None:
    for fmt in ("json", "xml"):
        response = await client.get(f"requests.{fmt}",
                                    params={"jurisdiction_id": JURIS, **params})
        assert response.status_code in (400, 403)
        assert expect in response.text
        if fmt == "xml":
            assert "<errors><error><code>" in response.text


async def test_default_window_is_the_last_90_days_and_at_most_1000_results(
        hub: Hub, keys: Keys, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    await _filed(hub, client, keys, form(keys.app, 1), form(keys.app, 2), form(keys.app, 3))
    later = FastAPI()
    later.include_router(create_router(hub, clock=lambda: datetime.now(UTC) + timedelta(days=91)))
    transport = httpx.ASGITransport(app=later)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub/open311/v2") as c:
        assert await _list(c) == []  # 91 days on, today's requests left the default window
        week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
        assert len(await _list(c, start_date=week_ago)) == 3
    monkeypatch.setattr(routes, "MAX_RESULTS", 2)
    assert len(await _list(client)) == 2


async def test_no_role_ever_reads_the_reporters_identity(
        hub: Hub, keys: Keys, client: httpx.AsyncClient) -> None:
    [rid] = await _filed(hub, client, keys, form(keys.app))
    for key in ("", keys.app, keys.oversight, keys.waste):
        for fmt in ("json", "xml"):
            for path in (f"requests.{fmt}", f"requests/{rid}.{fmt}"):
                response = await client.get(path, params={"jurisdiction_id": JURIS,
                                                          "api_key": key})
                assert response.status_code == 200 and rid in response.text
                leaked = [p for p in PERSONAL if p in response.text]
                assert leaked == [], f"{path} with key {key[:8]} shows {leaked}"


async def test_rahasia_and_agency_scope_follow_the_read_api(
        hub: Hub, keys: Keys, client: httpx.AsyncClient) -> None:
    confidential = form(keys.app, 1) | {"attribute[rahasia]": "true"}
    secret, road = await _filed(hub, client, keys, confidential, form(keys.app, 2, code=ROADS))

    async def seen(key: str) -> dict[str, Any]:
        return {r["service_request_id"]: r for r in await _list(client, api_key=key)}

    public = await seen("")
    assert secret not in public and road in public
    oversight = (await seen(keys.oversight))[secret]
    assert oversight["description"] == "[rahasia]"
    assert oversight["lat"] is oversight["address"] is None
    assert oversight["agency_responsible"] == "DLH-KOTA-JAMBI"
    own = (await seen(keys.waste))[secret]
    assert own["description"].startswith("Sampah menumpuk") and own["lat"] == -1.6101
    assert set(await seen(keys.waste)) == {secret}  # an agency key sees only its own
    assert set(await seen(keys.roads)) == {road}
    for key in ("", keys.roads):
        response = await client.get(f"requests/{secret}.json",
                                    params={"jurisdiction_id": JURIS, "api_key": key})
        assert response.status_code == 404  # the same answer as a request that does not exist
        assert response.json() == [{"code": 404,
                                    "description": f"service_request_id '{secret}' not found"}]
