"""Incremental pull of one channel: fetch pages → validate → map → check NIK → store.

Each page is stored together with the page token that follows it (one transaction), so a crash
resumes after the last stored page. A complete pull moves the watermark to the newest
``diperbarui`` it stored; the next pull starts ``overlap_s`` before it and deduplicates by
version, so a record committed late by the channel near the boundary is still read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from connectors.errors import PagingLoopError
from hub.identity.nik import check_nik
from hub.ledger.ingest import IngestResult, Mapped, QuarantineEntry, Skipped, ingest_page
from hub.ledger.tables import CursorRow, as_utc, utcnow
from hub.mapping.engine import ChannelMapping
from hub.mapping.specs import MappingError
from hub.mapping.validation import RawValidator
from hub.privacy.logging import person_names
from hub.privacy.masking import register_names
from hub.sources.page import Source

log = structlog.get_logger(__name__)


@dataclass
class PullResult:
    channel: str
    pages: int = 0
    records: int = 0
    stored: IngestResult = field(default_factory=IngestResult)
    resumed: bool = False


@dataclass
class Processed:
    mapped: list[Mapped] = field(default_factory=list)
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def process_records(records: list[Any], mapping: ChannelMapping,
                    validator: RawValidator) -> Processed:
    """Validate and map raw records; the plain function the pull and the replay share."""
    out = Processed()

    def quarantine(raw: Any, stage: str, reason: str, detail: str,
                   schema_path: str | None = None, version: str | None = None) -> None:
        out.quarantined.append(QuarantineEntry(mapping.channel, mapping.source_id(raw), version,
                                               stage, reason, detail, raw, schema_path))

    for raw in records:
        # Before validation: a record that is quarantined still names its reporter in clear.
        register_names(person_names(raw))
        violations = validator.violations(raw)
        if violations:
            detail = "; ".join(str(v) for v in violations[:5])
            quarantine(raw, "validate", "schema_violation",
                       f"does not match {mapping.raw_schema}: {detail}", violations[0].schema_path)
            continue
        try:
            skip = mapping.skip_reason(raw)
            if skip is not None:
                out.skipped.append(Skipped(mapping.source_id(raw) or "", mapping.version_key(raw),
                                           skip, raw))
                continue
            ticket = mapping.apply(raw)
        except MappingError as exc:
            quarantine(raw, "map", exc.reason, str(exc))
            continue
        reporter = ticket.pelapor
        if reporter is not None and reporter.nama:
            register_names([reporter.nama])
        if reporter is not None and reporter.nik and mapping.identity.verify_nik:
            check = check_nik(reporter.nik, expected_kabkota=mapping.city.kode_kabkota)
            if not check.valid and mapping.identity.invalid_nik == "quarantine":
                quarantine(raw, "identity", "invalid_nik",
                           f"NIK is invalid ({check.reason}): {check.detail}",
                           version=ticket.source_version)
                continue
        out.mapped.append(Mapped(ticket, raw))
    return out


def _cursor(engine: Engine, channel: str) -> CursorRow:
    with Session(engine) as session:
        return session.get(CursorRow, channel) or CursorRow(channel=channel)


def _finish(engine: Engine, channel: str, watermark: datetime | None) -> None:
    """Move the watermark; the last page's position (stored with it) stays for the next run."""
    with Session(engine) as session:
        row = session.get(CursorRow, channel) or CursorRow(channel=channel)
        if watermark is not None:
            old = as_utc(row.watermark) if row.watermark else None
            row.watermark = max(watermark, old) if old else watermark
        if row.resume_token is None:
            row.run_started_watermark = None
        row.in_progress, row.updated_at = False, utcnow()
        session.add(row)
        session.commit()


def _start(engine: Engine, channel: str, since: datetime | None, resuming: bool) -> None:
    with Session(engine) as session:
        row = session.get(CursorRow, channel) or CursorRow(channel=channel)
        if not resuming:
            row.run_started_watermark = since
        row.in_progress = True
        session.add(row)
        session.commit()


async def pull_channel(engine: Engine, source: Source, mapping: ChannelMapping,
                       validator: RawValidator, *, page_size: int, overlap_s: float,
                       run_id: str | None = None,
                       on_page: Callable[[PullResult], None] | None = None) -> PullResult:
    channel = mapping.channel
    result = PullResult(channel)
    cursor = _cursor(engine, channel)
    resume = cursor.resume_token
    if resume is not None:
        # Continue from the stored position, in the same window its page token belongs to.
        result.resumed = True
        since = as_utc(cursor.run_started_watermark) if cursor.run_started_watermark else None
    else:
        since = None
        if cursor.watermark is not None:
            since = as_utc(cursor.watermark) - timedelta(seconds=overlap_s)
    _start(engine, channel, since, resuming=resume is not None)
    newest: datetime | None = None
    seen_tokens: set[str] = set()
    while True:
        page = await source.fetch(since=since, resume=resume, limit=page_size)
        # A source that cannot page (Simtramtibum's whole-day export) may hand over more than
        # ``page_size``: it is validated, mapped and stored a slice at a time, so a big day
        # never holds more models than a page does. Only the last slice moves the position;
        # a crash before it re-reads the page, which the ledger's versions deduplicate.
        records = page.records
        for start in range(0, max(len(records), 1), page_size):
            part = records[start:start + page_size]
            last = start + page_size >= len(records)
            done = process_records(part, mapping, validator)
            stored = ingest_page(engine, channel, done.mapped, done.quarantined,
                                 resume_token=page.resume, run_id=run_id, skipped=done.skipped,
                                 move_cursor=last, by_content=mapping.record.by_content)
            result.records += len(part)
            result.stored.add(stored)
            for item in done.mapped:
                stamp = item.ticket.diperbarui.astimezone(UTC)
                newest = stamp if newest is None or stamp > newest else newest
            if on_page is not None:
                on_page(result)
        result.pages += 1
        if not page.has_more:
            break
        if page.resume is None or page.resume in seen_tokens:
            raise PagingLoopError(f"{channel}: more pages announced but the page token is "
                                  "missing or was already followed", system=channel)
        seen_tokens.add(page.resume)
        resume = page.resume
    _finish(engine, channel, newest)
    log.info("channel.pulled", channel=channel, pages=result.pages, records=result.records,
             new=result.stored.new, updated=result.stored.updated,
             quarantined=result.stored.quarantined, skipped=result.stored.skipped,
             resumed=result.resumed)
    return result
