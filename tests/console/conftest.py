"""A console on the read-side test ledger (tests/hub/viewdata.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.console.app import create_console_app
from hub.core.settings import Settings
from hub.sync.pipeline import Hub
from tests.hub.viewdata import NOW, Seeded, seed


@pytest.fixture
def hub(engine: Engine, db_url: str) -> Hub:
    return Hub.from_settings(Settings(database_url=db_url), engine=engine)


@pytest.fixture
def data(engine: Engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def client(hub: Hub, data: Seeded) -> Iterator[TestClient]:
    with TestClient(create_console_app(hub, clock=lambda: NOW)) as c:
        yield c
