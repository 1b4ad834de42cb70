"""Status/transport → error mapping and the retry policy of ``connectors.http.BaseClient``."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx
import pytest
from structlog.testing import capture_logs

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectorError,
    FatalError,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    RetriableError,
    UpstreamUnavailable,
)
from connectors.http import parse_retry_after
from connectors.lapor import LaporClient

pytestmark = pytest.mark.anyio

EMPTY = {"data": []}


def ok(body: Any = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=EMPTY if body is None else body)


async def find(script: Any, client_kwargs: Any, **overrides: Any) -> Any:
    async with LaporClient(**client_kwargs(script, **overrides)) as lapor:
        return await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000001")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (400, InvalidRequest),
        (422, InvalidRequest),
        (409, InvalidRequest),
    ],
)
async def test_fatal_statuses_map_to_their_error_and_are_not_retried(
    scripted: Any, client_kwargs: Any, status: int, error: type[FatalError]
) -> None:
    script = scripted(httpx.Response(status, json={"detail": "nope"}))
    with pytest.raises(error) as caught:
        await find(script, client_kwargs)
    assert isinstance(caught.value, FatalError)
    assert caught.value.status == status
    assert caught.value.system == "lapor"
    assert caught.value.path == "/laporan"
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_server_errors_on_a_read_are_retried_until_success(
    scripted: Any, client_kwargs: Any, sleeps: Any, status: int
) -> None:
    script = scripted(httpx.Response(status), httpx.Response(status), ok())
    assert await find(script, client_kwargs) == []
    assert len(script.requests) == 3
    assert len(sleeps.waits) == 2


async def test_retries_are_bounded_by_max_attempts_and_reraise_the_last_error(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(503))
    with pytest.raises(UpstreamUnavailable) as caught:
        await find(script, client_kwargs, max_attempts=3)
    assert caught.value.status == 503
    assert len(script.requests) == 3
    assert len(sleeps.waits) == 2


async def test_backoff_grows_with_jitter_and_stays_under_the_cap(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(500))
    with pytest.raises(UpstreamUnavailable):
        await find(script, client_kwargs, max_attempts=8, backoff_base_s=0.1, backoff_max_s=1.0)
    ceilings = [min(1.0, 0.1 * 2**n) for n in range(7)]
    assert len(sleeps.waits) == 7
    for wait, ceiling in zip(sleeps.waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


async def test_retry_after_seconds_is_waited_at_least(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(429, headers={"Retry-After": "1.5"}), ok())
    assert await find(script, client_kwargs, backoff_base_s=0.01) == []
    assert len(script.requests) == 2
    assert sleeps.waits[0] >= 1.5


async def test_retry_after_longer_than_the_cap_is_raised_for_the_caller_to_reschedule(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(429, headers={"Retry-After": "120"}), ok())
    with pytest.raises(RateLimited) as caught:
        await find(script, client_kwargs, backoff_max_s=2.0)
    assert caught.value.retry_after == 120.0
    assert isinstance(caught.value, RetriableError)
    assert len(script.requests) == 1
    assert sleeps.waits == []


async def test_max_retry_after_can_allow_longer_waits_than_the_backoff_cap(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(429, headers={"Retry-After": "30"}), ok())
    assert await find(script, client_kwargs, max_retry_after_s=60.0) == []
    assert sleeps.waits[0] >= 30.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("Fri, 20 Nov 2026 08:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Fri, 20 Nov 2026 07:59:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None


async def test_rate_limit_without_retry_after_uses_backoff(
    scripted: Any, client_kwargs: Any, sleeps: Any
) -> None:
    script = scripted(httpx.Response(429), ok())
    assert await find(script, client_kwargs) == []
    assert len(sleeps.waits) == 1


@pytest.mark.parametrize(
    "body",
    [
        httpx.Response(200, content=b'{"data": [{"tracking_id": "LPR0'),
        httpx.Response(200, content=b"<html>gateway</html>"),
        httpx.Response(200, json={"items": []}),
        httpx.Response(200, json={"data": [{"tracking_id": 5}]}),
    ],
)
async def test_malformed_bodies_on_a_read_are_retried_then_raised(
    scripted: Any, client_kwargs: Any, body: httpx.Response
) -> None:
    script = scripted(body)
    with pytest.raises(MalformedResponse) as caught:
        await find(script, client_kwargs, max_attempts=2)
    assert len(script.requests) == 2
    assert 'tracking_id": "LPR0' not in str(caught.value)
    assert "gateway" not in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.PoolTimeout("pool"),
        httpx.ReadTimeout("hang"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("reset"),
    ],
)
async def test_transport_failures_on_a_read_are_retried(
    scripted: Any, client_kwargs: Any, failure: Exception
) -> None:
    script = scripted(failure, ok())
    assert await find(script, client_kwargs) == []
    assert len(script.requests) == 2


async def test_exhausted_transport_failures_raise_upstream_unavailable(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.ReadTimeout("hang"))
    with pytest.raises(UpstreamUnavailable, match="ReadTimeout"):
        await find(script, client_kwargs, max_attempts=2)


async def test_unsupported_protocol_is_fatal(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(httpx.UnsupportedProtocol("ftp"))
    with pytest.raises(FatalError):
        await find(script, client_kwargs)
    assert len(script.requests) == 1


async def test_unmapped_aiohttp_errors_are_still_connector_errors(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(aiohttp.ClientPayloadError("truncated"), ok())
    assert await find(script, client_kwargs) == []


async def test_invalid_request_names_fields_without_values_or_messages(
    scripted: Any, client_kwargs: Any
) -> None:
    detail = [
        {"loc": ["query", "sumber"], "msg": "bad 3671010101010001", "type": "x"},
        {"loc": ["body", "pelapor", "nama"], "msg": "Siti Aminah", "type": "x"},
        {"loc": ["body", "lampiran", 0], "msg": "x", "type": "x"},
        {"loc": ["body", "3671010101010001"], "msg": "x", "type": "x"},
    ]
    script = scripted(httpx.Response(422, json={"detail": detail}))
    with pytest.raises(InvalidRequest) as caught:
        await find(script, client_kwargs)
    assert caught.value.fields == ["sumber", "pelapor.nama", "lampiran.0", "?"]
    text = str(caught.value)
    assert "3671010101010001" not in text
    assert "Siti" not in text
    assert "SKL-000001" not in text


async def test_error_messages_carry_no_query_values_or_bodies(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(503, text="Siti Aminah 3671010101010001"))
    with pytest.raises(UpstreamUnavailable) as caught:
        await find(script, client_kwargs, max_attempts=1)
    assert str(caught.value) == "lapor GET /laporan: server error (HTTP 503)"


async def test_retry_events_are_logged_without_bodies_or_query_values(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(502, text="3671010101010001"), ok())
    with capture_logs() as logs:
        await find(script, client_kwargs)
    assert [e["event"] for e in logs] == ["http.retry"]
    event = logs[0]
    assert event["system"] == "lapor"
    assert event["path"] == "/laporan"
    assert event["attempt"] == 1
    assert event["status"] == 502
    assert event["wait_s"] > 0
    assert "SKL-000001" not in repr(logs)
    assert "3671010101010001" not in repr(logs)


async def test_bearer_token_and_json_accept_are_sent(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(ok())
    await find(script, client_kwargs)
    request = script.requests[0]
    assert request.headers["Authorization"] == "Bearer sandbox-token"
    assert request.headers["Accept"] == "application/json"
    assert str(request.url) == (
        "http://sandbox.test/api/v1/laporan?sumber=SIKESAL&ref_eksternal=SKL-000001"
    )


def test_errors_survive_pickling_with_their_attributes() -> None:
    original = InvalidRequest(
        system="lapor", status=422, fields=["judul"], method="POST", path="/x"
    )
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is InvalidRequest
    assert (copy.system, copy.status, copy.fields, str(copy)) == (
        "lapor",
        422,
        ["judul"],
        str(original),
    )
    limited = pickle.loads(pickle.dumps(RateLimited(system="sikesal", retry_after=2.0)))
    assert limited.retry_after == 2.0


def test_error_tree_matches_the_documented_hierarchy() -> None:
    assert issubclass(RateLimited, RetriableError)
    assert issubclass(AmbiguousWriteError, RetriableError)
    assert issubclass(MalformedResponse, RetriableError)
    assert issubclass(InvalidRequest, FatalError)
    assert issubclass(FatalError, ConnectorError)
    assert str(NotFound(system="lapor")) == "lapor: Not found"
