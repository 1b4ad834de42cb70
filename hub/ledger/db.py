"""Engine creation for the ledger: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import create_engine

from hub.ledger import (
    open311_state,  # noqa: F401  (the open311 channel's side of the two-way sync)
    oversight_tables,  # noqa: F401  (API keys, notifications)
    sync_state,  # noqa: F401  (two-way sync tables)
    tables,  # noqa: F401  (registers the tables on SQLModel.metadata)
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (status, API) run beside the syncing writer; busy_timeout lets two
    # processes share the file instead of failing with "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def init_db(engine: Engine) -> None:
    """Bring the ledger's schema to the newest migration (Alembic), creating it if empty."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Several workers starting on a fresh database: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(7261584)"))
        tables = set(inspect(connection).get_table_names())
        if "ticket" in tables and "alembic_version" not in tables:
            raise RuntimeError(
                "this ledger was created before migrations existed; recreate it, or stamp it "
                "with `alembic -x url=<database url> stamp 0001` if it matches schema v1")
        command.upgrade(alembic_config(connection), "head")


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
