"""An Open311 client from PyPI (``georeport``) reads the hub over real HTTP, JSON and XML.

``georeport`` reads (services, definitions, requests); it has no call to file a request, so the
POST is made with plain httpx the way any GeoReport form post is. The library is not told
anything about the hub: only the endpoint's root and the jurisdiction, as for any city.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from georeport import GeoReport  # type: ignore[import-untyped]

from hub.intake.app import create_app
from hub.reconcile.round import reconcile
from hub.sync.pipeline import Hub, sync
from simulators.runner import Endpoint, running
from tests.open311.conftest import JURIS, ROADS, WASTE, Keys, form
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def hub_http(hub: Hub) -> Iterator[Endpoint]:
    with running({"hub": create_app(hub)}) as endpoints:
        yield endpoints["hub"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_georeport_client_lists_files_and_tracks_requests(
        hub: Hub, keys: Keys, hub_http: Endpoint, sandbox: Sandbox, fmt: str) -> None:
    root = f"{hub_http.root}/open311/v2"
    client = GeoReport(root, jurisdiction=JURIS, output_format=fmt)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services[WASTE]["service_name"] == "Lingkungan Hidup dan Kehutanan (DLH-KOTA-JAMBI)"
    definition = client.get_service_definition(WASTE)
    assert definition["service_code"] == WASTE
    async with httpx.AsyncClient(base_url=root) as web:
        tokens = [(await web.post("requests.json", data=form(keys.app, n, code=code))
                   ).json()[0]["token"] for n, code in ((1, WASTE), (2, ROADS))]
        await sync(hub, ["open311"])
        ids = [(await web.get(f"tokens/{t}.json", params={"jurisdiction_id": JURIS})
                ).json()[0]["service_request_id"] for t in tokens]

    listed = client.get_service_requests(service_code=WASTE)
    # xmltodict gives one element as a dict, several as a list: the library passes that on.
    rows = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in rows] == [ids[0]]
    one = client.get_service_request(ids[1])
    assert (one["service_code"], one["status"], one["agency_responsible"]) == (
        ROADS, "open", "DPUPR-KOTA-JAMBI")

    tracking = next(r["tracking_id"] for r in sandbox.lapor_reports()
                    if r["ref_eksternal"] == tokens[1])
    sandbox.admin("lapor", "advance", {"n": 1, "tracking_ids": [tracking], "to": "selesai"})
    await reconcile(hub, ["open311"], officers=False)
    closed = client.get_service_requests(status="closed")
    rows = closed if isinstance(closed, list) else [closed]
    assert [r["service_request_id"] for r in rows] == [ids[1]]
    assert tracking in rows[0]["status_notes"]
