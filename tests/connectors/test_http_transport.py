"""What a connector's requests carry now that they go straight to the transport, not through
``httpx.AsyncClient.send``: the client's headers and event hooks on every attempt, never a
cookie a server set."""

from __future__ import annotations

import httpx
import pytest

from connectors.lapor import LaporClient

pytestmark = pytest.mark.anyio

EMPTY = {"data": []}


async def test_a_cookie_set_by_a_server_never_rides_along_on_a_later_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMPTY, headers={"Set-Cookie": "session=abc; Path=/"})

    async with LaporClient(base_url="http://lapor.test/api/v1", transport=httpx.MockTransport(
            handler)) as lapor:
        await lapor.find_reports(sumber="SIKESAL", ref_eksternal="1")
        await lapor.find_reports(sumber="SIKESAL", ref_eksternal="2")
    assert len(seen) == 2 and "cookie" not in seen[1].headers
    assert str(seen[1].url) == "http://lapor.test/api/v1/laporan?sumber=SIKESAL&ref_eksternal=2"


async def test_the_clients_headers_and_hooks_apply_to_every_attempt() -> None:
    """Requests go straight to the transport, not through ``AsyncClient.send``: what a connector
    sets on its client (a swapped token, a request counter, a response hook) still applies to
    each attempt, retries included, and the response a hook sees is the one parsed."""
    answers = iter([httpx.Response(503), httpx.Response(200, json=EMPTY)])
    requests_seen: list[httpx.Request] = []
    statuses: list[int] = []

    async def on_request(request: httpx.Request) -> None:
        requests_seen.append(request)

    async def on_response(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    async def no_wait(_s: float) -> None:
        return None

    async with LaporClient(base_url="http://lapor.test/api/v1", sleep=no_wait,
                           transport=httpx.MockTransport(lambda _r: next(answers))) as lapor:
        lapor._client.headers["Authorization"] = "Bearer swapped"
        lapor._client.event_hooks["request"].append(on_request)
        lapor._client.event_hooks["response"].append(on_response)
        assert await lapor.find_reports(sumber="SIKESAL", ref_eksternal="1") is not None
    assert statuses == [503, 200]
    assert [r.headers["authorization"] for r in requests_seen] == ["Bearer swapped"] * 2
