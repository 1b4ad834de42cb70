"""Fuzzing the hub's HTTP surfaces: no input makes them answer 5xx; every rejection is a 4xx.

The read API is driven by schemathesis from its own OpenAPI document (with and without a valid
key, so both the auth wall and the handlers behind it are exercised). The intake takes a raw body,
so its inputs come from hypothesis directly: arbitrary bytes, JSON values and tokens.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from hub.api.app import create_app as create_api
from hub.core.settings import IntakeSettings, Settings
from hub.intake.app import create_app as create_intake
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, create_key

TOKEN = "fuzz-intake-token"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    db = tmp_path_factory.mktemp("fuzz") / "ledger.db"
    settings = Settings(database_url=f"sqlite:///{db}",
                        intake=IntakeSettings(tokens={"call112": SecretStr(TOKEN)}))
    hub = Hub.from_settings(settings)
    yield hub
    hub.engine.dispose()


@pytest.fixture(scope="module")
def api_key(hub: Hub) -> str:
    return create_key(hub.engine, Role.parse("oversight"))


def test_read_api_never_answers_5xx(hub: Hub, api_key: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_api(hub))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4, "the read API documents its routes"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def no_server_error(case: Any) -> None:
            for headers in ({}, {"X-API-Key": api_key}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.path,
                                                    response.status_code)

        no_server_error()


def _post(hub: Hub, body: bytes, token: str | None, channel: str = "call112",
          content_type: str = "application/json") -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_intake(hub))
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        headers["Content-Type"] = content_type
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            return await client.post(f"/events/{channel}", content=body, headers=headers)

    return asyncio.run(send())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12)
hostile = st.sampled_from([
    b"[" * 5000 + b"]" * 5000,  # nesting that would exhaust the recursion limit
    b'{"id_panggilan": "112-X", "judul": "\\ud800"}',  # a lone surrogate
    b'{"id_panggilan": 777, "versi": 1}',  # the id as a number
    b'{"id_panggilan": "112-X", "lat": NaN}',
    b'{"id_panggilan": "112-X", "versi": 99999999999999999999999}',
    b'{"id_panggilan": "112-X", "waktu": "9999-12-31T23:59:59-14:00"}',
])
bodies = (st.binary(max_size=200) | hostile
          | json_values.map(lambda v: json.dumps(v).encode())
          | st.fixed_dictionaries({"id_panggilan": st.text(max_size=70)},
                                  optional={"kelas": st.text(max_size=10)}
                                  ).map(lambda v: json.dumps(v).encode()))


@given(body=bodies, token=st.sampled_from([TOKEN, "wrong", None]),
       channel=st.sampled_from(["call112", "sikesal", "nope"]),
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8",
                                     "text/plain"]))
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True, database=None)  # the same inputs on every run: make test decides
def test_intake_answers_every_input_with_a_clear_status(hub: Hub, body: bytes, token: str | None,
                                                        channel: str, content_type: str) -> None:
    response = _post(hub, body, token, channel, content_type)
    assert response.status_code in {200, 202, 400, 401, 404, 413, 415, 422}, \
        response.status_code
    if response.status_code >= 400:
        assert response.json()["detail"]
