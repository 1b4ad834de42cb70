"""Shared fixtures: the ledger on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from sqlalchemy import Engine, create_engine, text

from hub.ledger.db import init_db, make_engine
from hub.privacy.logging import configure_logging

pytest_plugins = ["tests.sandbox"]

PG_BASE = os.environ.get("LAPOR_HUB_TEST_PG_URL",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/test")

configure_logging(json=True, level="INFO")

# The default run is deterministic: a fixed seed per test and no saved examples, so a fresh
# checkout and a developer's machine see the same cases. `make fuzz` explores with random seeds
# and keeps what it finds in .hypothesis/ (replayed by later fuzz runs only).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz", max_examples=1000, deadline=None, derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("LAPOR_HUB_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private schema per test in the shared ``test`` database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/ledger.db"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    init_db(engine)
    yield engine
    engine.dispose()
