"""Tables of the oversight view: API keys (hashed) and reminder notifications.

Registered on ``SQLModel.metadata`` by one import in ``hub.ledger.db``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.ledger.tables import TZ, utcnow


class ApiKeyRow(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    # The public part of the key, to find the row; the secret part is only stored hashed.
    key_id: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    role: str = Field(max_length=80)  # oversight | integrator | agency:<instansi>
    label: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    revoked_at: datetime | None = Field(default=None, sa_type=TZ)


class NotificationRow(SQLModel, table=True):
    """One reminder or escalation per ticket, stage and level: the unique key makes it once."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("ticket_id", "stage", "level", name="uq_notification_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(index=True)
    channel: str = Field(max_length=32)
    instansi: str = Field(max_length=80, index=True)
    stage: str = Field(max_length=32)
    level: str = Field(max_length=16)  # at_risk (the unit) | late (the unit) | escalated (OPD head)
    recipient: str = Field(max_length=120)
    deadline: datetime = Field(sa_type=TZ)
    detail: str = Field(sa_column=Column(Text, nullable=False))  # no personal data
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    delivered_at: datetime | None = Field(default=None, sa_type=TZ)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=300)
