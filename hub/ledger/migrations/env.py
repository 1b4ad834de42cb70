"""Alembic environment of the ledger: the target is the sqlmodel metadata of ``hub.ledger``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool
from sqlmodel import SQLModel

import hub.ledger.db  # noqa: F401  (imports every table module onto SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:  # handed in by hub.ledger.db.init_db
        _run(connection)
        return
    section = context.config.get_section(context.config.config_ini_section, {})
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:  # `alembic -x url=postgresql+psycopg://… upgrade head`
        section["sqlalchemy.url"] = url
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def run_migrations_offline() -> None:
    # `alembic -x url=postgresql+psycopg://… upgrade head --sql`: SQL for that database's dialect.
    url = (context.get_x_argument(as_dictionary=True).get("url")
           or context.config.get_main_option("sqlalchemy.url"))
    context.configure(url=url,
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
