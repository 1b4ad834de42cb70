"""The mapping engine: a channel's raw record → canonical ``Ticket``, driven by a mapping file.

The parts of a mapping file are the models of ``hub.mapping.specs``. Failures are
``MappingError`` with a machine reason (``unknown_category``, ``unknown_status``,
``bad_value``, ``missing_field``) that the pull stage turns into a quarantine entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from hub.core.models import Klasifikasi, LaporStatus, Reporter, Ticket
from hub.mapping.specs import (
    MISSING,
    CategorySpec,
    City,
    FieldSpec,
    ForwardSpec,
    IdentitySpec,
    MappingError,
    RecordSpec,
    StatusSpec,
    Target,
    dig,
)

_HASHTAG = re.compile(r"#([A-Za-z0-9_]+)")
_PRIVACY_FLAGS = ("anonim", "rahasia")
_DATE_FIELDS = ("dibuat", "diperbarui", "tanggal_kejadian")
_TEXT_FIELDS = ("judul", "isi")
# No complaint channel predates 2000; a date after tomorrow is a clock or wire fault. Either
# would break working-day arithmetic and move a watermark past records not yet read.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
# A vocabulary value (category, status, class code) is named in a quarantine detail only when it
# looks like a code: free text there could carry a name, and a megabyte of it is no diagnosis.
_CODE = re.compile(r"[A-Za-z0-9_#.\- ]{0,40}")
DEFAULT_MAX_TEXT_CHARS = 20_000


class ChannelMapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    sumber: str
    description: str = ""
    raw_schema: str
    city: City = City()
    record: RecordSpec
    fields: dict[str, FieldSpec]
    category: CategorySpec
    status: StatusSpec
    identity: IdentitySpec = IdentitySpec()
    forward: ForwardSpec | None = None
    # What the channel's "anonymous" means. ``withheld`` (default): no identity leaves the hub.
    # ``public_only``: hidden from the public only, as LAPOR!'s own form does it: the reporter
    # goes to LAPOR! with ``anonim`` set (LAPOR! holds it, never shows it).
    anonymity: Literal["withheld", "public_only"] = "withheld"
    # Longest judul/isi accepted (settings may lower or raise it per channel).
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS

    @model_validator(mode="after")
    def _privacy_fails_closed(self) -> ChannelMapping:
        for flag in _PRIVACY_FLAGS:
            spec = self.fields.get(flag)
            if spec is not None and spec.path is not None and spec.default is False:
                # A flag missing at the source must never make a confidential report public.
                raise ValueError(f"fields.{flag}: a read flag may not default to false "
                                 "(omit the default to quarantine, or default to true)")
        return self

    def skip_reason(self, raw: Mapping[str, Any]) -> str | None:
        """Why this record is deliberately not forwarded, or None to forward it."""
        if self.forward is None:
            return None
        value = dig(raw, self.forward.path)
        key = "" if value in (MISSING, None) else str(value)
        if key in self.forward.values:
            return None
        if key in self.forward.skip:
            return f"{key}: {self.forward.skip[key]}"
        raise MappingError("unknown_class", self.forward.path,
                           f"{code_repr(key)} is neither forwarded nor skipped by channel "
                           f"{self.channel}")

    def source_id(self, raw: Any) -> str | None:
        """Best effort, for quarantining records that fail before mapping."""
        if not isinstance(raw, Mapping):
            return None
        value = dig(raw, self.record.id.path or "")
        return str(value) if value not in (MISSING, None, "") else None

    def version_key(self, raw: Mapping[str, Any]) -> str:
        """A string that sorts like the channel's versions, to ignore stale re-reads.

        For ``version_type: content`` it is the record's fingerprint instead, which does not sort:
        the ledger compares it with the stored one and assigns the version.
        """
        if self.record.by_content:
            return fingerprint(raw, self.record.fingerprint_ignore)
        assert self.record.version is not None  # checked when the mapping was loaded
        value = self.record.version.extract(raw, "record.version")
        if value is None:
            raise MappingError("missing_field", "record.version", "no version")
        if self.record.version_type == "int":
            return f"{int(value):020d}"
        if self.record.version_type == "datetime" and isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    def route(self, raw: Mapping[str, Any]) -> tuple[str, Target]:
        spec = self.category
        if spec.hashtags_in is not None:
            text = dig(raw, spec.hashtags_in)
            tags = [t.lower() for t in _HASHTAG.findall(text if isinstance(text, str) else "")]
            # Several hashtags: the first one the mapping knows decides (stated in the README).
            known = [t for t in tags if t in spec.map]
            if known:
                return "#" + known[0], spec.map[known[0]]
            source = " ".join("#" + t for t in tags) or "(no hashtag)"
        else:
            value = dig(raw, spec.path or "")
            source = "" if value in (MISSING, None) else str(value)
            if source in spec.map:
                return source, spec.map[source]
        if spec.default is not None:
            return source, spec.default
        raise MappingError("unknown_category", "category",
                           f"{code_repr(source)} is not in the mapping of channel {self.channel}")

    def to_lapor_status(self, source_status: str) -> LaporStatus:
        try:
            return self.status.to_lapor[source_status]
        except KeyError:
            raise MappingError("unknown_status", "status",
                               f"{code_repr(source_status)} is not in to_lapor of channel "
                               f"{self.channel}") from None

    def apply(self, raw: Mapping[str, Any]) -> Ticket:
        values: dict[str, Any] = {}
        reporter: dict[str, Any] = {}
        for name, spec in self.fields.items():
            value = spec.extract(raw, name)
            if name.startswith("pelapor."):
                reporter[name.removeprefix("pelapor.")] = value
            else:
                values[name] = value
        self._check_values(raw, values, reporter)
        source_category, target = self.route(raw)
        status_value = dig(raw, self.status.path)
        source_status = "" if status_value in (MISSING, None) else str(status_value)
        anonim = values.get("anonim", False) is True
        keep_reporter = not anonim or self.anonymity == "public_only"
        has_reporter = any(v not in (None, "") for v in reporter.values())
        source_id = self.source_id(raw)
        if source_id is None:
            raise MappingError("missing_field", "record.id", "no id")
        try:
            return Ticket(
                channel=self.channel,
                source_id=source_id,
                source_version=self.version_key(raw),
                source_category=source_category,
                kategori=target.kategori,
                kategori_nama=target.kategori_nama,
                instansi=target.instansi,
                klasifikasi=target.klasifikasi or values.pop("klasifikasi", Klasifikasi.pengaduan),
                source_status=source_status,
                status=self.to_lapor_status(source_status),
                # Anonymous means no identity leaves the hub, whatever the channel sent along,
                # unless the channel's anonymity is "hidden from the public only".
                pelapor=Reporter(**reporter) if has_reporter and keep_reporter else None,
                **{k: v for k, v in values.items() if k != "klasifikasi"},
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            # The type, not the message: pydantic's messages may quote the value.
            raise MappingError("bad_value", field, f"invalid ({first['type']})") from exc

    def _check_values(self, raw: Mapping[str, Any], values: dict[str, Any],
                      reporter: dict[str, Any]) -> None:
        """Fail closed on privacy, bound texts and dates, and never lose a field silently."""
        for flag in _PRIVACY_FLAGS:
            if flag in values and not isinstance(values[flag], bool):
                raise MappingError("privacy_flag", flag,
                                   "missing, null or not a boolean: cannot tell who may see it")
        for name in _TEXT_FIELDS:
            text = values.get(name)
            if not isinstance(text, str) or not text.strip():
                raise MappingError("bad_value", name, "blank after mapping")
            if len(text) > self.max_text_chars:
                raise MappingError("too_large", name,
                                   f"longer than {self.max_text_chars} characters")
        latest = datetime.now(UTC) + FUTURE_SLACK
        for name in _DATE_FIELDS:
            stamp = values.get(name)
            if isinstance(stamp, datetime) and stamp.tzinfo is not None and not (
                    EARLIEST <= stamp <= latest):
                raise MappingError("out_of_range", name,
                                   "date outside 2000-01-01 .. now + 1 day")
        anonymous = values.get("anonim") is True and self.anonymity == "withheld"
        for name, spec in self.fields.items():
            if spec.path is None or (anonymous and name.startswith("pelapor.")):
                continue  # an anonymous reporter is dropped on purpose
            source = dig(raw, spec.path)
            if source is MISSING or source is None or source == [] or (
                    isinstance(source, str) and not source.strip()):
                continue
            key = name.removeprefix("pelapor.")
            mapped = reporter.get(key) if name.startswith("pelapor.") else values.get(name)
            if mapped is None or mapped == "":
                raise MappingError("lost_field", name,
                                   "present at the source but empty after mapping")


def fingerprint(raw: Mapping[str, Any], ignore: list[str] | None = None) -> str:
    """SHA-256 of a record's content (canonical JSON), without the ``ignore``d top-level keys."""
    content = {k: v for k, v in raw.items() if k not in (ignore or ())}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def code_repr(value: str) -> str:
    """A vocabulary value for a quarantine detail: quoted if code-like, else only its length."""
    if _CODE.fullmatch(value):
        return repr(value)
    return f"(a value of {len(value)} characters)"
