"""Logging inside a flow run, wherever it runs (a worker's subprocess, ``serve``, the CLI).

A worker starts a flow run in a fresh process that never went through the CLI, so every flow
entry point calls ``configure_run_logging`` first: structlog gets the hub's level, JSON choice and
PII-masking processors there too, and each hub event is also sent, already masked, to the Prefect
run logger so it shows in the run's logs in the UI. The events go to the API through a logger of
their own (no console handler): the console keeps one line per event, rendered by the hub.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from hub.core.settings import Settings, get_settings
from hub.privacy.logging import configure_logging, mask_pii

API_LOGGER = "lapor_hub.run"
_SKIP = frozenset({"event", "timestamp", "level"})
_LEVELS = {"exception": logging.ERROR, "warn": logging.WARNING, "msg": logging.INFO}


def _api_logger() -> logging.Logger:
    from prefect.logging.handlers import APILogHandler

    logger = logging.getLogger(API_LOGGER)
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(APILogHandler())
        logger.propagate = False  # the console already has the hub's own rendering
        logger.setLevel(logging.DEBUG)  # structlog's level filter ran before this point
    return logger


def _line(event_dict: EventDict) -> str:
    extras = " ".join(f"{k}={v}" for k, v in event_dict.items() if k not in _SKIP)
    return f"{event_dict.get('event', '')} {extras}".strip()


def to_prefect_run(_logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor (after ``mask_pii``): forward the event to the current run's logs."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.logging.loggers import PrefectLogAdapter, get_run_logger

    if TaskRunContext.get() is None and FlowRunContext.get() is None:
        return event_dict
    run_logger = get_run_logger()
    extra: dict[str, Any] = dict(getattr(run_logger, "extra", None) or {})
    level = _LEVELS.get(method_name) or logging.getLevelNamesMapping().get(
        method_name.upper(), logging.INFO)
    PrefectLogAdapter(_api_logger(), extra=extra).log(level, _line(event_dict))
    return event_dict


def configure_run_logging(settings: Settings | None = None) -> None:
    """The hub's logging plus the bridge to the Prefect run logger; safe to call every run."""
    s = settings or get_settings()
    configure_logging(json=s.log_json, level=s.log_level)
    processors = list(structlog.get_config()["processors"])
    at = processors.index(mask_pii) + 1  # masked before anything leaves the process
    processors.insert(at, to_prefect_run)
    structlog.configure(processors=processors)
