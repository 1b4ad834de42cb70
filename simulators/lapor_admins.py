"""LAPOR!'s own admins in the sandbox: which step a report takes next, and an autopilot.

Admins verify (dispose to the instansi), postpone (``ditunda``), refuse (``bukan_wewenang``),
follow up and close. ``POST /_sim/advance`` moves reports on demand; the autopilot moves them by
itself at ``rate_per_s`` steps a second, applied lazily whenever the change feed is read, so a
demo has traffic without a background task (and a test stays deterministic with the rate at 0).
"""

from __future__ import annotations

import random
import threading
import time

from pydantic import BaseModel, ConfigDict, Field

FINAL: frozenset[str] = frozenset({"selesai", "bukan_wewenang", "diarsipkan"})
_NEXT: dict[str, str] = {"belum_terverifikasi": "terverifikasi", "terverifikasi": "tindak_lanjut",
                         "ditunda": "terverifikasi", "tindak_lanjut": "selesai"}
# Branches the autopilot takes from an unverified report (weights); the rest follow _NEXT.
_TRIAGE = {"terverifikasi": 80, "ditunda": 10, "bukan_wewenang": 10}
TEXTS: dict[str, str] = {
    "tindak_lanjut": "Laporan telah ditindaklanjuti oleh instansi terkait.",
    "selesai": "Laporan dinyatakan selesai.",
    "ditunda": "Laporan ditunda: menunggu kelengkapan keterangan dari pelapor.",
    "bukan_wewenang": "Laporan bukan wewenang instansi tujuan.",
    "diarsipkan": "Laporan diarsipkan.",
}


def next_move(status: str, to: str | None = None,
              rng: random.Random | None = None) -> tuple[str, str | None] | None:
    """(new status, follow-up text or None), or None when the report does not move."""
    if to is not None:
        if to == status or (status in FINAL and to != "diarsipkan"):
            return None
        return to, TEXTS.get(to)
    if status == "belum_terverifikasi" and rng is not None:
        nxt = rng.choices(list(_TRIAGE), weights=list(_TRIAGE.values()))[0]
        return nxt, TEXTS.get(nxt)
    step = _NEXT.get(status)
    return (step, TEXTS.get(step)) if step else None


class AutopilotConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(default=0.0, ge=0.0, le=10_000.0)
    seed: int = 0


class Autopilot:
    """Steps owed since the last read at ``rate_per_s``; fractions carry over between reads."""

    def __init__(self, config: AutopilotConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or AutopilotConfig())

    def configure(self, config: AutopilotConfig) -> None:
        with self._lock:
            self.config = config
            self.rng = random.Random(config.seed)
            self._last = time.monotonic()
            self._carry = 0.0

    def due(self) -> int:
        with self._lock:
            now = time.monotonic()
            owed = (now - self._last) * self.config.rate_per_s + self._carry
            self._last = now
            steps = int(owed)
            self._carry = owed - steps
            return steps
