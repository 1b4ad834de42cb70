"""Every /open311/v2 response, JSON and XML, against the specification's shapes (spec_shapes).

Each call is made in both formats: the JSON must match its shape, and the XML, read by the
specification's element names, must say exactly the same thing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from hub.sync.pipeline import Hub, sync
from tests.open311 import spec_shapes as spec
from tests.open311.conftest import JURIS, WASTE, Keys, form

pytestmark = pytest.mark.anyio


async def _both(client: httpx.AsyncClient, method: str, path: str, shape: dict[str, Any],
                root: str, *, status: int = 200, **kwargs: Any) -> Any:
    bodies = []
    for fmt in ("json", "xml"):
        response = await client.request(method, f"{path}.{fmt}", **kwargs)
        assert response.status_code == status, (path, fmt, response.text)
        kind = response.headers["content-type"]
        if fmt == "json":
            assert kind.startswith("application/json")
            body = response.json()
        else:
            assert kind.startswith("text/xml") and "charset=utf-8" in kind
            body = spec.xml_to_json(response.content, root)
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  for e in Draft202012Validator(shape).iter_errors(body)]
        assert errors == [], (path, fmt, errors)
        bodies.append(body)
    assert bodies[0] == bodies[1], f"{path}: XML says something else than JSON"
    return bodies[0]


async def test_every_response_has_the_specification_shape_in_json_and_xml(
        hub: Hub, keys: Keys, client: httpx.AsyncClient) -> None:
    where = {"jurisdiction_id": JURIS}
    await _both(client, "GET", "discovery", spec.DISCOVERY, "discovery")
    services = await _both(client, "GET", "services", spec.SERVICES, "services", params=where)
    assert WASTE in {s["service_code"] for s in services}
    definition = await _both(client, "GET", f"services/{WASTE}", spec.DEFINITION,
                             "service_definition", params=where)
    assert {a["code"] for a in definition["attributes"]} >= {"nik", "anonim", "rahasia"}
    [posted] = await _both(client, "POST", "requests", spec.POSTED, "service_requests",
                           data=form(keys.app))
    await _both(client, "GET", f"tokens/{posted['token']}", spec.TOKEN, "service_requests",
                params=where)
    await sync(hub, ["open311"])
    [token] = await _both(client, "GET", f"tokens/{posted['token']}", spec.TOKEN,
                          "service_requests", params=where)
    listed = await _both(client, "GET", "requests", spec.REQUESTS, "service_requests", params=where)
    assert token["service_request_id"] in {r["service_request_id"] for r in listed}
    [one] = await _both(client, "GET", f"requests/{token['service_request_id']}",
                        spec.REQUESTS, "service_requests", params=where)
    assert one["requested_datetime"].endswith("+07:00")  # the city's local time, with offset


@pytest.mark.parametrize(("method", "path", "status", "kwargs"), [
    ("GET", "services", 400, {}),  # no jurisdiction_id
    ("GET", "services", 404, {"params": {"jurisdiction_id": "kota-atlantis"}}),
    ("GET", "services/no-such-service", 404, {"params": {"jurisdiction_id": JURIS}}),
    ("GET", "requests/424242", 404, {"params": {"jurisdiction_id": JURIS}}),
    ("GET", "requests", 400, {"params": {"jurisdiction_id": JURIS, "status": "maybe"}}),
    ("GET", "tokens/o311-unknown", 404, {"params": {"jurisdiction_id": JURIS}}),
    ("POST", "requests", 403, {"data": {"jurisdiction_id": JURIS, "service_code": WASTE}}),
])
async def test_errors_have_the_specification_shape_in_json_and_xml(
        client: httpx.AsyncClient, method: str, path: str, status: int,
        kwargs: dict[str, Any]) -> None:
    [problem] = await _both(client, method, path, spec.ERRORS, "errors", status=status, **kwargs)
    assert problem["code"] == status


async def test_an_unknown_format_is_a_spec_error_not_a_framework_one(
        client: httpx.AsyncClient) -> None:
    response = await client.get("services.yaml", params={"jurisdiction_id": JURIS})
    assert response.status_code == 404
    assert Draft202012Validator(spec.ERRORS).is_valid(response.json())
