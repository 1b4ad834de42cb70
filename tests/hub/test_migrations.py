"""The ledger's Alembic migrations build exactly the schema the models declare, both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from hub.ledger.db import alembic_config, init_db, schema_revision


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
    with engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
    assert head is not None and schema_revision(engine) == head


def test_downgrade_then_upgrade_round_trips(engine: Engine) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    init_db(engine)
    assert "ticket" in inspect(engine).get_table_names()
    init_db(engine)  # a second start is a no-op
