"""claim holders: who holds a ``sending`` claim (host, pid, start, flow run) and its heartbeat.

Revision ID: 0017
Revises: 0001
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0017"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_holder",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("flow_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sqlmodel.sql.sqltypes.AutoString(length=120),
                  nullable=True),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("claim_holder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_holder_flow_run_id"), ["flow_run_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim_holder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_holder_flow_run_id"))
    op.drop_table("claim_holder")
