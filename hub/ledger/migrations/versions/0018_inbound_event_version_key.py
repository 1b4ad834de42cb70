"""inbound_event.event_id holds "<id>@<versi>": an update or correction of a pushed event is a
new row, not a duplicate, so the key needs room for the version beside a 64-character id.

Revision ID: 0018
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0018"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _offline_sqlite() -> bool:
    # SQLite's batch mode rebuilds the table from a reflected copy, which offline SQL cannot
    # reflect; SQLite does not enforce VARCHAR lengths, so the script has nothing to change there.
    context = op.get_context()
    return context.as_sql and context.dialect.name == "sqlite"


def upgrade() -> None:
    if _offline_sqlite():
        return
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.alter_column("event_id",
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=96),
                              existing_nullable=False)


def downgrade() -> None:
    if _offline_sqlite():
        return
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.alter_column("event_id",
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=96),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=64),
                              existing_nullable=False)
