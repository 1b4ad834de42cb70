"""One entry per channel for the shared contract suite: how to read its simulator's truth.

Adding a channel adds a ``ChannelCase`` here; every test in ``test_channel_contract.py`` then runs
against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.mapping.engine import fingerprint
from hub.sync.pipeline import Hub


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
    # The channel has no versions: ``versions`` gives fingerprints, compared with the ledger's.
    by_content: bool = False
    # A channel without any change marker (Sikesal) re-reads only a window of its newest records
    # per run: narrow it to ``n`` records and return the ids outside it, whose changes the next
    # run cannot see (they must still be stored, at some version, or quarantined).
    window: Callable[[Hub, dict[str, Any], int], set[str]] | None = None


def _int_version(records: list[dict[str, Any]], id_key: str, version_key: str) -> dict[str, str]:
    return {str(r[id_key]): f"{int(r[version_key]):020d}" for r in records}


def _sikesal_window(hub: Hub, state: dict[str, Any], n: int) -> set[str]:
    hub.settings.sikesal.rescan_ids = n
    top = max((r["id_laporan"] for r in state["records"]), default=0)
    return {str(r["id_laporan"]) for r in state["records"] if r["id_laporan"] <= top - n}


CASES: list[ChannelCase] = [
    ChannelCase(
        channel="sikesal",
        simulator="sikesal",
        # No version and no updated-at column: the row's content is its version.
        versions=lambda state: {str(r["id_laporan"]): fingerprint(r, ["view"])
                                for r in state["records"]},
        faults=frozenset({"error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate",
                          "duplicate_rate", "reorder", "churn_per_page"}),
        by_content=True,
        window=_sikesal_window,
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
