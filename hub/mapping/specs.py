"""What a mapping file says, as validated models: the spec of each part of a channel's mapping
(fields, record id and version, categories, statuses, identity, forwarding, city), and the
``MappingError`` the engine raises when a record does not fit it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from hub.core.models import Klasifikasi, LaporStatus
from hub.mapping.transforms import TransformError, apply_transforms

MISSING = object()  # what ``dig`` returns for a path the record does not have


class MappingError(ValueError):
    def __init__(self, reason: str, field: str, detail: str) -> None:
        super().__init__(f"{reason} at {field}: {detail}")
        self.reason, self.field, self.detail = reason, field, detail


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = None
    value: Any = None
    default: Any = None
    transform: list[str | dict[str, Any]] = []

    def extract(self, raw: Mapping[str, Any], name: str) -> Any:
        if self.path is None:
            return self.value
        value = dig(raw, self.path)
        if value is MISSING or value is None:
            value = self.default
        try:
            return apply_transforms(value, self.transform)
        except TransformError as exc:
            raise MappingError("bad_value", name, str(exc)) from exc


def _topic_text(value: Any) -> Any:
    # A topic named by id may be a YAML number.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Target(BaseModel):
    """Where a category goes in LAPOR!: a topic (``kategori``), and the agency when the mapping
    knows it. Without ``instansi`` the report goes unrouted, for LAPOR!'s admins to dispose."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # As written in the mapping file (a topic id or name); after ``hub.mapping.loader`` the
    # topic's numeric id, with its name in ``kategori_nama``.
    kategori: Annotated[str, BeforeValidator(_topic_text)]
    kategori_nama: str | None = None
    instansi: str | None = None
    klasifikasi: Klasifikasi | None = None


class CategorySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = None
    hashtags_in: str | None = None
    map: dict[str, Target]
    default: Target | None = None


class StatusSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    to_lapor: dict[str, LaporStatus]
    from_lapor: dict[LaporStatus, str]


class IdentitySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    verify_nik: bool = True
    invalid_nik: Literal["quarantine", "send_unverified"] = "quarantine"


class ForwardSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    values: list[str]
    skip: dict[str, str] = {}


class RecordSpec(BaseModel):
    """Which field is the record's id and which its version.

    ``version_type: content`` is for a channel with no version or updated-at at all (Sikesal):
    ``version_key`` is then a fingerprint of the record's content (minus ``fingerprint_ignore``),
    and the ledger turns it into an increasing hub-assigned version when it changes
    (``hub.ledger.ingest``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FieldSpec
    version: FieldSpec | None = None
    version_type: Literal["int", "datetime", "string", "content"] = "string"
    fingerprint_ignore: list[str] = []

    @model_validator(mode="after")
    def _version_needed(self) -> RecordSpec:
        if self.version is None and self.version_type != "content":
            raise ValueError("record.version is required unless version_type is content")
        return self

    @property
    def by_content(self) -> bool:
        return self.version_type == "content"


class City(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kode_kabkota: str | None = None
    nama: str | None = None


def dig(raw: Any, path: str) -> Any:
    """Value at a dotted path, or ``MISSING``."""
    node = raw
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node
