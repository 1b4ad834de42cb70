"""Fixtures: a scripted ``httpx.MockTransport`` and a sleep that records instead of waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Scripted:
    """Serves ``steps`` in order, one per request (the last one repeats), recording requests."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


class SleepRecorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def scripted() -> type[Scripted]:
    return Scripted


@pytest.fixture
def client_kwargs(sleeps: SleepRecorder) -> Callable[[Scripted], dict[str, Any]]:
    """Constructor arguments for any client, wired to a script and the recording sleep."""

    def build(script: Scripted, **overrides: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": "http://sandbox.test/api/v1",
            "token": SecretStr("sandbox-token"),
            "timeout_s": 5.0,
            "max_attempts": 4,
            "backoff_base_s": 0.1,
            "backoff_max_s": 2.0,
            "transport": script.transport,
            "sleep": sleeps,
        }
        kwargs.update(overrides)
        return kwargs

    return build
