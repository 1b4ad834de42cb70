"""Where the hub's CPU time goes, grouped by stage (module prefix), from a cProfile run."""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# First match wins: the most specific prefixes come first.
STAGES = [
    ("hub/sync/pull", "pull"), ("hub/sources", "pull"), ("hub/mapping/validation", "validate"),
    ("jsonschema", "validate"), ("referencing", "validate"), ("hub/mapping", "map"),
    ("hub/identity", "dukcapil"), ("connectors/dukcapil", "dukcapil"),
    ("hub/ledger", "ledger write"), ("sqlalchemy", "ledger write"), ("sqlmodel", "ledger write"),
    ("sqlite3", "ledger write"), ("psycopg", "ledger write"),
    ("hub/sync/push", "push"), ("hub/sync/lapor_report", "push"), ("connectors/lapor", "POST"),
    ("connectors/http", "http client"), ("httpx", "http client"), ("httpx_aiohttp", "http client"),
    ("aiohttp", "http client"), ("tenacity", "http client"), ("pydantic", "models"),
    ("hub/privacy", "logging/masking"), ("structlog", "logging/masking"),
    ("logging", "logging/masking"),
    ("asyncio", "event loop"), ("selectors", "event loop"), ("json", "json"), ("orjson", "json"),
]


def _stage(filename: str) -> str:
    for prefix, stage in STAGES:
        if f"/{prefix}" in filename or filename.startswith(prefix):
            return stage
    return "other"


def print_stages(profile: cProfile.Profile, top: int = 15) -> None:
    stats = pstats.Stats(profile)
    per_stage: dict[str, float] = defaultdict(float)
    total = 0.0
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in entries:
        per_stage[_stage(filename)] += tottime
        total += tottime
    print(f"CPU time by stage (own time, {total:.1f} s profiled):")
    for stage, seconds in sorted(per_stage.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:16} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    others: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in entries:
        if _stage(filename) == "other":
            others[filename.split("site-packages/")[-1]] += tottime
    print("largest 'other':", ", ".join(f"{f} {s:.2f}s" for f, s in
                                        sorted(others.items(), key=lambda kv: -kv[1])[:8]))
    stats.sort_stats("tottime").print_stats(top)


@contextmanager
def profiled(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    # CPU time, not wall time: the figures hold on a machine busy with other work.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print_stages(profile)
        out = Path("var/bench-profile.pstats")
        out.parent.mkdir(exist_ok=True)
        profile.dump_stats(out)
        print(f"full profile: {out} (python -m pstats {out})")
