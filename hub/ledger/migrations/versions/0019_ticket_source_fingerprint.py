"""ticket.source_fingerprint: the content fingerprint of the record a ticket holds, for channels
without a version or updated-at of their own (Sikesal): the hub detects a change by content and
assigns the next version itself. NULL for channels that version their records.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN needs no table rebuild on SQLite, so offline SQL works there as well.
    op.add_column("ticket", sa.Column("source_fingerprint",
                                      sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("source_fingerprint")
