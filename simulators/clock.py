"""Simulator time: Western Indonesia Time, strictly increasing, optionally pinned for tests.

Keyset paging on ``diperbarui_pada`` is only loss-free when no two updates share a timestamp, so
every reading of the clock is at least one microsecond after the previous one.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
_TICK = timedelta(microseconds=1)


class LogicalClock:
    """Wall-clock time in WIB, or a pinned start that only moves when read or advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        self._pinned = start.astimezone(WIB) if start is not None else None
        self._last = datetime.min.replace(tzinfo=WIB)
        self._lock = threading.Lock()

    def peek(self) -> datetime:
        """Current time without consuming a tick (for anchoring seeded history)."""
        with self._lock:
            base = self._pinned if self._pinned is not None else datetime.now(WIB)
            return max(base, self._last + _TICK)

    def now(self) -> datetime:
        """A timestamp no other caller of this clock has received or will receive."""
        with self._lock:
            base = self._pinned if self._pinned is not None else datetime.now(WIB)
            stamp = max(base, self._last + _TICK)
            self._last = stamp
            return stamp

    def observe(self, stamp: datetime) -> None:
        """Never hand out a timestamp at or before ``stamp`` (e.g. the newest seeded record)."""
        with self._lock:
            self._last = max(self._last, stamp.astimezone(WIB))

    def advance(self, delta: timedelta) -> None:
        """Move a pinned clock forward (tests: next day, outside access hours)."""
        with self._lock:
            if self._pinned is None:
                raise RuntimeError("only a pinned clock can be advanced")
            self._pinned += delta
            self._last = max(self._last, self._pinned - _TICK)

    def reset(self) -> None:
        with self._lock:
            self._last = datetime.min.replace(tzinfo=WIB)


def iso(stamp: datetime) -> str:
    """ISO-8601 with microseconds and the +07:00 offset, as every simulator serves times."""
    return stamp.astimezone(WIB).isoformat(timespec="microseconds")
