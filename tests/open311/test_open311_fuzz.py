"""No input makes /open311/v2 answer 5xx or anything but the specification's error body."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from hub.intake.app import create_app
from hub.sync.pipeline import Hub
from tests.open311 import spec_shapes as spec
from tests.open311.conftest import JURIS, WASTE, Keys, form

FIELDS = ["api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
          "description", "phone", "email", "first_name", "media_url", "attribute[nik]",
          "attribute[anonim]", "service_request_id", "start_date", "end_date", "status"]
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", "nan", "inf", "-1e400", "99999999999999999999999", "2026-13-45T25:00:00Z", JURIS,
     WASTE, "open,closed", "1,2,3", "\x00", "1" * 16]))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert Draft202012Validator(spec.ERRORS).is_valid(response.json()), response.text


def test_posts_and_queries_never_break_the_endpoint(hub: Hub, keys: Keys) -> None:
    """On both ledgers: ids past 32 bits, say, only break PostgreSQL."""
    app = create_app(hub)

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.request(method, f"/open311/v2/{path}", **kwargs)

    @FUZZ
    @given(changes=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
    def post(changes: dict[str, str]) -> None:
        _check(asyncio.run(call("POST", "requests.json", data=form(keys.app) | changes)))

    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=5),
           path=st.sampled_from(["requests.json", "requests/1.json", "services.json",
                                 f"services/{WASTE}.json", "tokens/x.json",
                                 "requests/99999999999999.json"]))
    def get(params: dict[str, str], path: str) -> None:
        _check(asyncio.run(call("GET", path, params={"jurisdiction_id": JURIS} | params)))

    @FUZZ
    @given(body=st.binary(max_size=300))
    def raw(body: bytes) -> None:
        _check(asyncio.run(call("POST", "requests.json", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})))

    post()
    get()
    raw()
