"""The process's ``Hub``, built once from settings, for code that Prefect calls by name.

Prefect runs flows and tasks from deployments with only their parameters, so they look the hub up
here. Tests and the CLI may install their own with ``use_hub``.
"""

from __future__ import annotations

from hub.core.settings import get_settings
from hub.sync.pipeline import Hub

_hub: Hub | None = None


def use_hub(hub: Hub | None) -> None:
    global _hub
    _hub = hub


def current_hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = Hub.from_settings(get_settings())
    return _hub
