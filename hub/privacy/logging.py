"""Logging setup: structlog for the hub, the stdlib (Prefect, httpx, uvicorn) masked the same way.

``configure_logging`` renders JSON when stderr is not a terminal, key-values in one. The
``mask_pii`` processor runs on every structlog event, so no code path can leak a NIK, name or phone
number by accident. Stdlib records are scrubbed when they are *created* (a record factory), so
every handler sees masked text, including the ones Prefect installs and ships to its API.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any
from uuid import UUID

import structlog
from pydantic import BaseModel
from structlog.typing import EventDict, Processor, WrappedLogger

from hub.privacy.masking import mask_email, mask_name, mask_nik, mask_nip, mask_phone, scrub_text

__all__ = ["PiiFilter", "configure_logging", "mask_pii", "person_names", "safe_message",
           "scrub_record"]

SECRET_MASK = "***"  # noqa: S105 - the mask, not a password

_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "token", "secret", "authorization", "cookie", "apikey"}
)
_IDENTITY_MASKS: dict[str, Callable[[str], str]] = {
    "nik": mask_nik,
    "nip": mask_nip,
    "telepon": mask_phone,
    "telp": mask_phone,
    "phone": mask_phone,
    "hp": mask_phone,
    "ponsel": mask_phone,
    "email": mask_email,
    "surel": mask_email,
    # Identity numbers under other names; a mistyped (15/17-digit) NIK is masked whole too.
    "ktp": mask_nik,
    "ektp": mask_nik,
    "kependudukan": mask_nik,
    "kk": mask_nik,
    "wa": mask_phone,
    "whatsapp": mask_phone,
    "msisdn": mask_phone,
    "handphone": mask_phone,
}
_NAME_WORDS = frozenset({"name", "nama"})
# "name"/"nama" alone, or with one of these, is a person; flow_name, nama_instansi are not.
_PERSON_WORDS = frozenset(
    {
        "full", "first", "last", "middle", "given", "family", "display", "user", "reporter",
        "pelapor", "lengkap", "depan", "belakang", "person", "contact", "kontak", "warga",
        "petugas", "pegawai", "officer", "sender", "pengirim",
    }
)  # fmt: skip
# Values rendered by str()/isoformat() that cannot hold personal data.
_SAFE_SCALARS = (bool, float, datetime, date, time, timedelta, UUID, Decimal, Enum)
# ProcessorFormatter's own bookkeeping: it needs the real LogRecord back.
_PASSTHROUGH_KEYS = frozenset({"_record", "_from_structlog"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_WORD_SPLIT = re.compile(r"[^a-z0-9]+")

_HANDLER_MARK = "_lapor_hub_handler"
_FACTORY_MARK = "_lapor_hub_factory"
_SCRUBBED_MARK = "_pii_scrubbed"


def safe_message(exc: BaseException) -> str:
    """The exception's message with personal data masked, for showing to a user."""
    return scrub_text(str(exc))


@lru_cache(maxsize=4096)
def _key_mask(key: str) -> Callable[[str], str] | None:
    """How a key's whole value must be masked, if the key names personal data or a secret."""
    words = _KEY_WORD_SPLIT.split(_CAMEL.sub("_", key).lower())
    joined = "_".join(words)
    if any(word in _SECRET_WORDS for word in words) or "api_key" in joined:
        return lambda _value: SECRET_MASK
    for word in words:
        if word in _IDENTITY_MASKS:
            return _IDENTITY_MASKS[word]
    if _NAME_WORDS.intersection(words):
        others = [w for w in words if w and w not in _NAME_WORDS]
        if not others or _PERSON_WORDS.intersection(others):
            return mask_name
    return None


def person_names(value: Any) -> list[str]:
    """The strings held under person-name keys anywhere in ``value`` (a raw record).

    Lets the hub register a reporter's name before the record is parsed, so a record that fails
    validation or mapping cannot carry the name into a log line or error in clear.
    """
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and isinstance(item, str) and _key_mask(key) is mask_name:
                found.append(item)
            else:
                found.extend(person_names(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(person_names(item))
    return found


def _scrub_value(value: Any) -> Any:
    """A copy of ``value`` with personal data masked; the caller's objects are never mutated."""
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, _SAFE_SCALARS):
        return value
    if isinstance(value, int):
        # A NIK logged as a number must not slip through as an int.
        text = str(value)
        scrubbed = scrub_text(text)
        return value if scrubbed == text else scrubbed
    if isinstance(value, Mapping):
        return _scrub_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(item) for item in value]
    if isinstance(value, BaseModel):
        return _scrub_mapping(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _scrub_mapping(dataclasses.asdict(value))
    # Renderers would fall back to repr() anyway; scrub that text instead.
    return scrub_text(repr(value))


def _mask_whole(value: Any, mask: Callable[[str], str]) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _scrub_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_whole(item, mask) for item in value]
    return mask(str(value))


def _scrub_mapping(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    scrubbed: dict[Any, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            scrubbed[key] = _scrub_value(value)
            continue
        mask = _key_mask(key)
        scrubbed[scrub_text(key)] = (
            _scrub_value(value) if mask is None else _mask_whole(value, mask)
        )
    return scrubbed


def mask_pii(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask personal data and secrets in every value of the event.

    ``exc_info`` is rendered to text first (``format_exc_info``) so the traceback is scrubbed as
    well; renderers must therefore not re-render exceptions themselves (no rich tracebacks, which
    would also print local variables).
    """
    if event_dict.get("exc_info"):
        event_dict = structlog.processors.format_exc_info(logger, method_name, event_dict)
    else:
        event_dict.pop("exc_info", None)
    passthrough = {k: event_dict.pop(k) for k in _PASSTHROUGH_KEYS if k in event_dict}
    scrubbed = _scrub_mapping(event_dict)
    scrubbed.update(passthrough)
    return scrubbed


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask personal data in a stdlib record's message, traceback and stack, in place."""
    if getattr(record, _SCRUBBED_MARK, False):
        return record
    if isinstance(record.msg, Mapping):
        # structlog's stdlib integration passes the event dict as msg; keep it a dict.
        record.msg = _scrub_mapping(record.msg)
    else:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # logging would print msg and args in its error report: scrub those instead.
            message = f"{record.msg!s} {record.args!r}"
        record.msg = scrub_text(message)
        record.args = ()
    if record.exc_info and not record.exc_text:
        # Formatters reuse a pre-set exc_text instead of formatting exc_info again.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub_text(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub_text(record.stack_info)
    setattr(record, _SCRUBBED_MARK, True)
    return record


class PiiFilter(logging.Filter):
    """Scrubs every record passing through; for handlers that receive records created elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def _install_record_factory() -> None:
    current = logging.getLogRecordFactory()
    if getattr(current, _FACTORY_MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(current(*args, **kwargs))

    setattr(factory, _FACTORY_MARK, True)
    logging.setLogRecordFactory(factory)


def _renderer(as_json: bool) -> Processor:
    if as_json:
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
    )


def _is_foreign_console(handler: logging.Handler) -> bool:
    if getattr(handler, _HANDLER_MARK, False) or not isinstance(handler, logging.StreamHandler):
        return False
    console = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    return any(handler.stream is stream for stream in console)


def _current_stderr_logger(*_args: Any) -> structlog.WriteLogger:
    return structlog.WriteLogger(sys.stderr)


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that always writes to the *current* ``sys.stderr``."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(*, json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog and mask stdlib logging; calling it again reconfigures in place.

    ``json=None`` picks JSON unless stderr is a terminal. ``level`` filters the hub's structlog
    events and this module's stdlib handler; library loggers keep their own levels (the root
    logger's level is left alone, WARNING by default as in Prefect's config).

    A stdlib handler rendering like structlog is added to the root logger unless another console
    handler (Prefect's) is already there: duplicates would be worse, and that handler still only
    sees scrubbed records. Handlers this function did not add are never removed.
    """
    numeric_level = logging.getLevelNamesMapping().get(level.upper())
    if numeric_level is None:
        raise ValueError(f"unknown log level {level!r}")
    as_json = not sys.stderr.isatty() if json is None else json
    renderer = _renderer(as_json)
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            structlog.processors.StackInfoRenderer(),
            mask_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Resolve sys.stderr at each write: test runners and daemons swap and close streams.
        logger_factory=_current_stderr_logger,
        # Not cached: a module-level logger used before configuration must still pick up masking.
        cache_logger_on_first_use=False,
    )

    # A handler that fails (e.g. Prefect's formatter outside a run) would otherwise print the
    # original exception, unmasked, in the "--- Logging error ---" report on stderr.
    logging.raiseExceptions = False
    _install_record_factory()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    if any(_is_foreign_console(h) for h in root.handlers):
        return
    handler = _CurrentStderrHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setLevel(numeric_level)
    handler.addFilter(PiiFilter())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                timestamper,
                mask_pii,
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root.addHandler(handler)
