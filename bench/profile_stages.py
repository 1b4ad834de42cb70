"""Where the hub's time goes, grouped by stage (module prefix), from a sampling profile.

pyinstrument samples the running stack every millisecond, so the hub runs at nearly full
speed (cProfile's per-call hooks made it ten times slower and blamed the wrong stages). Time the
event loop spends waiting in ``select`` is the hub waiting on the wire, not working.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.frame import Frame

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


def _self_times(frame: Frame, out: dict[tuple[str, str], float],
                parent: tuple[str, str] = ("", "")) -> None:
    # A "[self]" leaf is time spent in its parent's own code; a built-in (socket.send,
    # Cursor.execute) counts for the stage of the Python code that called it.
    if frame.is_synthetic_leaf:
        key = parent
    elif not frame.file_path or frame.file_path.startswith("<"):
        key = (parent[0], f"{frame.function} (built-in)")
    else:
        key = (frame.file_path, frame.function)
    if not frame.children:
        out[key] = out.get(key, 0.0) + frame.time
    for child in frame.children:
        _self_times(child, out, key)


def print_stages(profiler: Profiler, top: int = 15) -> None:
    session = profiler.last_session
    root = session.root_frame() if session else None
    if root is None:
        print("no samples")
        return
    own: dict[tuple[str, str], float] = {}
    _self_times(root, own)
    per_stage: dict[str, float] = defaultdict(float)
    for (path, _function), seconds in own.items():
        per_stage[_stage(path)] += seconds
    total = sum(per_stage.values()) or 1.0
    print(f"Time by stage (own time, {total:.2f} s sampled):")
    for stage, seconds in sorted(per_stage.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:16} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    others: dict[str, float] = defaultdict(float)
    for (path, _function), seconds in own.items():
        if _stage(path) == "other":
            others[path.split("site-packages/")[-1] or "<unknown>"] += seconds
    print("largest 'other':", ", ".join(
        f"{f} {s:.2f}s" for f, s in sorted(others.items(), key=lambda kv: -kv[1])[:8]))
    print(f"largest {top} functions (own time):")
    for (path, function), seconds in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {seconds:6.2f} s  {function} ({path.split('site-packages/')[-1]})")


@contextmanager
def profiled(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    # async_mode disabled: sample what the thread is really running, including the loop's waits.
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print_stages(profiler)
        out = Path("var/bench-profile.html")
        out.parent.mkdir(exist_ok=True)
        out.write_text(profiler.output_html())
        if profiler.last_session is not None:
            profiler.last_session.save(str(out.with_suffix(".pyisession")))
        print(f"full profile: {out} (and {out.with_suffix('.pyisession')} for pyinstrument)")
