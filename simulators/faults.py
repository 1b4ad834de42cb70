"""Fault injection shared by every simulator.

Request-level faults (latency, 5xx, 429, hang) run as a FastAPI dependency attached to the
real-contract routers only, so ``/_sim/*`` stays reliable while a test breaks the API. Record-level
faults (malformed, duplicate, reorder) are helpers the list endpoints call on the page they serve.
All randomness comes from one ``random.Random`` reseeded from ``FaultConfig.seed`` whenever the
config is set, so the same test run produces the same faults.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import threading
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from fastapi import HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
Record = dict[str, Any]

_Rate = Field(default=0.0, ge=0.0, le=1.0)


class FaultConfig(BaseModel):
    """Every switchable fault of docs/wire-contract.md; all default off."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = _Rate
    error_status: Literal[500, 502, 503] = 503
    rate_limit_rate: float = _Rate
    retry_after_s: float = Field(default=1.0, ge=0.0)
    timeout_rate: float = _Rate
    hang_s: float = Field(default=30.0, ge=0.0)
    malformed_rate: float = _Rate
    duplicate_rate: float = _Rate
    reorder: bool = False
    accept_then_fail_rate: float = _Rate
    churn_per_page: int = Field(default=0, ge=0)
    seed: int = 0


def retry_after_header(seconds: float) -> str:
    """Whole seconds as HTTP wants them; fractions kept so fast tests need not wait a second."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


class FaultInjector:
    """The live fault config of one simulator and the seeded RNG that decides each fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config = FaultConfig()
        self._rng = random.Random(self.config.seed)

    def update(self, patch: dict[str, Any]) -> FaultConfig:
        """Merge ``patch`` into the config (validated as a whole); restart the RNG from its seed."""
        merged = FaultConfig.model_validate({**self.config.model_dump(), **patch})
        with self._lock:
            self.config = merged
            self._rng = random.Random(merged.seed)
        return merged

    def reset(self) -> None:
        with self._lock:
            self.config = FaultConfig()
            self._rng = random.Random(self.config.seed)

    # Decisions -------------------------------------------------------------------------------
    def chance(self, rate: float) -> bool:
        # No draw at rate 0, so switching one fault on does not shift the others' sequence.
        if rate <= 0.0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def sample(self, population: Sequence[T], k: int) -> list[T]:
        with self._lock:
            return self._rng.sample(list(population), min(k, len(population)))

    def choice(self, population: Sequence[T]) -> T:
        with self._lock:
            return self._rng.choice(population)

    # Request level ---------------------------------------------------------------------------
    async def request_faults(self) -> None:
        """FastAPI dependency: latency, then hang, then 429, then 5xx."""
        cfg = self.config
        if cfg.latency_ms:
            await asyncio.sleep(cfg.latency_ms / 1000)
        if self.chance(cfg.timeout_rate):
            await asyncio.sleep(cfg.hang_s)
        if self.chance(cfg.rate_limit_rate):
            raise HTTPException(
                status_code=429,
                detail="rate limited",
                headers={"Retry-After": retry_after_header(cfg.retry_after_s)},
            )
        if self.chance(cfg.error_rate):
            raise HTTPException(status_code=cfg.error_status, detail="simulated failure")

    # Record level ----------------------------------------------------------------------------
    def corrupt_page(self, records: list[Record]) -> list[Record]:
        """Apply ``malformed_rate`` per record and ``reorder`` to the copies about to be served."""
        cfg = self.config
        served = [malform(r, self._rng_locked()) if self.chance(cfg.malformed_rate) else r
                  for r in records]
        if cfg.reorder and len(served) > 1:
            with self._lock:
                self._rng.shuffle(served)
        return served

    def pick_duplicates(self, ids: Sequence[str], cap: int) -> list[str]:
        """Ids of this page to serve again on the next (``duplicate_rate`` each, at most cap)."""
        picked = [i for i in ids if self.chance(self.config.duplicate_rate)]
        return picked[:cap]

    def truncated(self, payload: Any, status_code: int = 200) -> Response | None:
        """With ``malformed_rate / 4``: the JSON body cut short, still labelled application/json."""
        if not self.chance(self.config.malformed_rate / 4):
            return None
        body = json.dumps(payload, ensure_ascii=False).encode()
        with self._lock:
            cut = max(1, int(len(body) * self._rng.uniform(0.2, 0.9)))
        return Response(content=body[:cut], status_code=status_code, media_type="application/json")

    def _rng_locked(self) -> random.Random:
        # malform() draws several numbers; a private child RNG keeps it off the shared lock.
        with self._lock:
            return random.Random(self._rng.getrandbits(64))


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 404 if value else None
    if isinstance(value, dict | list):
        return json.dumps(value)[:20]
    return 0


def malform(record: Record, rng: random.Random) -> Record:
    """A copy of ``record`` with one field missing or of the wrong type (possibly nested)."""
    broken = copy.deepcopy(record)
    target: Record = broken
    nested = [k for k, v in broken.items() if isinstance(v, dict) and v]
    if nested and rng.random() < 0.3:
        target = broken[rng.choice(nested)]
    key = rng.choice(sorted(target))
    if rng.random() < 0.5:
        del target[key]
    else:
        target[key] = _wrong_type(target[key])
    return broken


class ConnectionDropped(RuntimeError):
    """Raised after a response has started, so the server closes the socket mid-body.

    uvicorn logs it and closes the transport (the client sees a broken connection); under
    ``httpx.ASGITransport`` it propagates to the caller, which is the in-process equivalent.
    """


class DroppedResponse(Response):
    """Starts a ``201``, sends a few bytes of a promised longer body, then drops the connection."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"128")],
        })
        await send({"type": "http.response.body", "body": b'{"tracking_', "more_body": True})
        raise ConnectionDropped("simulated connection drop after accepting the request")
