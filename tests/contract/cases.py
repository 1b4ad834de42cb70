"""One entry per channel for the shared contract suite: how to read its simulator's truth.

Adding a channel adds a ``ChannelCase`` here; every test in ``test_channel_contract.py`` then runs
against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChannelCase:
    channel: str  # mapping file / hub source name
    simulator: str  # app name in simulators.runner
    # Source truth from GET /_sim/state: record id → the hub's ``source_version`` string.
    versions: Callable[[dict[str, Any]], dict[str, str]]
    # Faults this simulator serves (names of FaultConfig fields the suite may switch on).
    faults: frozenset[str] = field(default_factory=frozenset)
    # Records the channel never forwards on purpose (ids), e.g. 112 emergency calls.
    skipped: Callable[[dict[str, Any]], set[str]] = lambda _state: set()


def _int_version(records: list[dict[str, Any]], id_key: str, version_key: str) -> dict[str, str]:
    return {str(r[id_key]): f"{int(r[version_key]):020d}" for r in records}


CASES: list[ChannelCase] = [
    ChannelCase(
        channel="sikesal",
        simulator="sikesal",
        versions=lambda state: _int_version(state["records"], "id", "versi"),
        faults=frozenset({"error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate",
                          "duplicate_rate", "reorder", "churn_per_page"}),
    ),
    ChannelCase(
        channel="laksa",
        simulator="laksa",
        # No version counter at Laksa: the epoch-ms updated_at is the version.
        versions=lambda state: _int_version(state["records"], "id", "updated_at"),
        faults=frozenset({"error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate",
                          "duplicate_rate", "reorder", "churn_per_page"}),
    ),
    ChannelCase(
        channel="sambat",
        simulator="sambat",
        versions=lambda state: _int_version(state["records"], "id", "versi"),
        faults=frozenset({"error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate",
                          "duplicate_rate", "reorder", "churn_per_page"}),
    ),
    ChannelCase(
        channel="simtramtibum",
        simulator="simtramtibum",
        versions=lambda state: _int_version(state["records"], "no_laporan", "revisi"),
        # malformed_rate breaks CSV lines; duplicate_rate repeats a line within a day's export.
        faults=frozenset({"error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate",
                          "duplicate_rate", "reorder", "churn_per_page"}),
    ),
]
