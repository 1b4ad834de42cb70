"""Ledger tables (sqlmodel). Same schema on SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the ledger writes is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Timezone-aware on PostgreSQL (timestamptz), so no session TimeZone can shift a stored instant.
TZ = DateTime(timezone=True)


class SendState(StrEnum):
    pending = "pending"  # mapped, waiting to be pushed (or to be retried at next_attempt_at)
    sending = "sending"  # claimed by a worker; the POST may be in flight or may have happened
    sent = "sent"  # LAPOR! holds it; tracking_id is set
    quarantined = "quarantined"  # stopped with a reason; replayable
    skipped = "skipped"  # deliberately not forwarded (e.g. a 112 prank call), with a reason


class TicketRow(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("channel", "source_id", name="uq_ticket_channel_source"),
        Index("ix_ticket_state_next", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    source_id: str = Field(max_length=64)
    source_version: str = Field(max_length=64)
    # Channels without versions (``version_type: content``): the fingerprint of the stored raw
    # record; a different one read later is a new version (``hub.ledger.ingest``).
    source_fingerprint: str | None = Field(default=None, max_length=64)
    content_hash: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # canonical Ticket as JSON
    # The record as the channel served it: a replay after a mapping fix maps it again.
    raw: str = Field(sa_column=Column(Text, nullable=False))
    state: SendState = Field(default=SendState.pending, max_length=16)
    skip_reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=TZ)  # a claim_holder row's token
    # Set when a POST may have reached LAPOR! without an answer: look it up before any new POST.
    needs_lookup: bool = False
    tracking_id: str | None = Field(default=None, max_length=32, index=True)
    transaksi_id: str | None = Field(default=None, max_length=32)
    identity_status: str = Field(default="pending", max_length=16)
    identity_note: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    sent_at: datetime | None = Field(default=None, sa_type=TZ)


class ClaimHolderRow(SQLModel, table=True):
    """Who holds a claim token: enough to prove the holder gone, and its lease (heartbeat).

    A row in ``sending`` whose holder is released (a Prefect crash/cancel hook, a sibling on the
    same host that found the process dead) or whose heartbeat is older than the lease is taken
    over at once, looked up in LAPOR! before any new POST.
    """

    __tablename__ = "claim_holder"

    token: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=200)  # hostname + PID namespace: where ``pid`` means something
    pid: int
    # The process's start (boot id + start ticks): a reused pid is another process.
    started: str = Field(max_length=80)
    flow_run_id: str | None = Field(default=None, max_length=64, index=True)
    run_id: str | None = Field(default=None, max_length=64)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    released_at: datetime | None = Field(default=None, sa_type=TZ)
    release_reason: str | None = Field(default=None, max_length=120)


class CursorRow(SQLModel, table=True):
    __tablename__ = "cursor"

    channel: str = Field(primary_key=True, max_length=32)
    # High-water mark of the last complete pull (the channel's own `updated` time).
    watermark: datetime | None = Field(default=None, sa_type=TZ)
    # Opaque page token of a pull that stopped midway; the next run resumes from it.
    resume_token: str | None = Field(default=None, sa_column=Column(Text))
    run_started_watermark: datetime | None = Field(default=None, sa_type=TZ)
    # A pull started and has not finished (it crashed or is running): the next one resumes.
    in_progress: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class QuarantineRow(SQLModel, table=True):
    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, index=True)
    source_id: str | None = Field(default=None, max_length=64, index=True)
    source_version: str | None = Field(default=None, max_length=64)
    stage: str = Field(max_length=16)  # validate | map | identity | push
    reason: str = Field(max_length=64, index=True)  # machine code, e.g. unknown_category
    detail: str = Field(sa_column=Column(Text, nullable=False))  # human text, no personal data
    schema_path: str | None = Field(default=None, sa_column=Column(Text))
    raw: str = Field(sa_column=Column(Text, nullable=False))  # the payload as received
    # Same record, same failure → one entry, however often an overlapping pull re-reads it.
    fingerprint: str = Field(max_length=64, index=True)
    run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    resolved_at: datetime | None = Field(default=None, sa_type=TZ)
    resolution: str | None = Field(default=None, max_length=32)  # replayed | superseded
    replay_count: int = 0


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, index=True)
    channel: str = Field(max_length=32)
    source_id: str | None = Field(default=None, max_length=64)
    event: str = Field(max_length=48)  # e.g. ticket.ingested, ticket.sent, ticket.recovered
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    run_id: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class IdentityCacheRow(SQLModel, table=True):
    """Dukcapil outcomes by a hash of NIK + name, so the daily quota is spent once per person."""

    __tablename__ = "identity_cache"

    key: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    response_code: str | None = Field(default=None, max_length=4)
    note: str | None = Field(default=None, max_length=200)
    checked_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class InboundEventRow(SQLModel, table=True):
    """An event a channel pushed to the intake, stored before the intake answers."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_inbound_channel_event"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, index=True)
    event_id: str = Field(max_length=96)  # "<id>@<version>": each version is its own event
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class AnnounceMarkRow(SQLModel, table=True):
    """Per channel: the last inbound row whose arrival Prefect has been told about (outbox)."""

    __tablename__ = "announce_mark"

    channel: str = Field(primary_key=True, max_length=32)
    last_id: int = 0
    announced_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
