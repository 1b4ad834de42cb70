"""Ledger tables of the two-way sync: per-ticket state of both sides, officers, sync issues.

Kept apart from ``tables.py`` (and from ``TicketRow``) so the two-way sync owns its own schema.
Each row says what each side last showed, what the hub last wrote there (so that reading it back
is recognised as an echo) and what is still owed to a side after a failed write.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from hub.ledger.tables import TZ, utcnow

# Reserved ``CursorRow`` names: never a channel (channel names have no colon).
LAPOR_CHANGES_CURSOR = "lapor:changes"
AUDIT_CURSOR = "reconcile:audit"


class SyncStateRow(SQLModel, table=True):
    __tablename__ = "sync_state"
    __table_args__ = (Index("ix_sync_state_instansi_officer", "instansi", "officer_nip"),)

    ticket_id: int = Field(primary_key=True)  # TicketRow.id
    channel: str = Field(max_length=32)
    source_id: str = Field(max_length=64)
    tracking_id: str = Field(max_length=32, unique=True)
    instansi: str = Field(max_length=64)
    # What each side showed when last read (or holds after the hub's own successful write).
    lapor_status: str | None = Field(default=None, max_length=32)
    lapor_cursor: str | None = Field(default=None, max_length=32)
    lapor_at: datetime | None = Field(default=None, sa_type=TZ)
    channel_status: str | None = Field(default=None, max_length=32)
    channel_version: str | None = Field(default=None, max_length=64)
    # The LAPOR! status both sides should show (the policy's decision); None before first sync.
    agreed: str | None = Field(default=None, max_length=32)
    # The agreed status each side was last written (or found) for: not owed again.
    lapor_done_for: str | None = Field(default=None, max_length=32)
    channel_done_for: str | None = Field(default=None, max_length=32)
    wrote_lapor_status: str | None = Field(default=None, max_length=32)
    wrote_channel_status: str | None = Field(default=None, max_length=32)
    wrote_channel_version: str | None = Field(default=None, max_length=64)
    # Short hashes (JSON lists) of follow-up texts present on each side: a text read back that
    # is already known there is an echo, never relayed again.
    seen_lapor: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    seen_channel: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # Texts owed to a side (JSON lists), kept until a write succeeds.
    out_lapor: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    out_channel: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # Something is owed to a side (a write failed or waits): the next round retries it.
    dirty: bool = Field(default=False, index=True)
    in_agreement: bool = False
    note: str | None = Field(default=None, max_length=200)
    # Responsible officer (SIASN); pending until resolved, ``petugas_due`` until sent to LAPOR!.
    officer_state: str = Field(default="pending", max_length=16, index=True)
    officer_nip: str | None = Field(default=None, max_length=18)
    officer_name: str | None = Field(default=None, max_length=120)
    officer_unor: str | None = Field(default=None, max_length=64)
    petugas_due: str | None = Field(default=None, max_length=200)
    petugas_sent: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class OfficerRow(SQLModel, table=True):
    """The responsible officer of one instansi, as last resolved from SIASN."""

    __tablename__ = "officer"

    instansi: str = Field(primary_key=True, max_length=64)
    unor_id: str = Field(max_length=64)
    nip: str | None = Field(default=None, max_length=18)
    nama: str | None = Field(default=None, max_length=120)
    jabatan: str | None = Field(default=None, max_length=120)
    checked_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class SyncIssueRow(SQLModel, table=True):
    """Input the sync refused to apply (unmapped status, unknown ticket, ...), with the reason."""

    __tablename__ = "sync_issue"

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=16)  # lapor | channel | siasn
    reason: str = Field(max_length=48, index=True)
    channel: str | None = Field(default=None, max_length=32)
    ticket_id: int | None = Field(default=None)
    tracking_id: str | None = Field(default=None, max_length=32)
    detail: str = Field(sa_column=Column(Text, nullable=False))  # no personal data
    # Same input, same reason → one row (counted), however often the feed repeats it.
    fingerprint: str = Field(max_length=64, unique=True)
    count: int = 1
    first_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    last_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    resolved_at: datetime | None = Field(default=None, sa_type=TZ)
