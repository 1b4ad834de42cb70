from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI

from simulators.clock import WIB, LogicalClock

PINNED = datetime(2026, 11, 20, 10, 0, tzinfo=WIB)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pinned_clock() -> LogicalClock:
    return LogicalClock(start=PINNED)


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_for() -> ClientFactory:
    """An in-process HTTP client for an app, optionally with a bearer token."""

    @asynccontextmanager
    async def make(app: FastAPI, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim",
                                     headers=headers) as client:
            yield client

    return make
