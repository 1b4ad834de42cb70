"""The ``/_sim/*`` admin router every simulator mounts; not part of any real system's contract."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.faults import FaultConfig, FaultInjector


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=0, le=1_000_000)
    seed: int = 0
    bad_rate: float = Field(default=0.0, ge=0.0, le=1.0)


class SeedResult(BaseModel):
    seeded: int


class SimBackend(Protocol):
    """What a simulator's in-memory store offers the admin API."""

    def seed(self, request: SeedRequest) -> int: ...

    def state(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...


def admin_router(backend: SimBackend, faults: FaultInjector) -> APIRouter:
    """``/_sim/seed``, ``/_sim/faults``, ``/_sim/state``, ``/_sim/reset`` over ``backend``."""
    router = APIRouter(prefix="/_sim", tags=["simulator admin"])

    @router.post("/seed")
    def seed(request: SeedRequest) -> SeedResult:
        return SeedResult(seeded=backend.seed(request))

    @router.post("/faults")
    def set_faults(patch: dict[str, Any]) -> FaultConfig:
        try:
            return faults.update(patch)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc

    @router.get("/faults")
    def get_faults() -> FaultConfig:
        return faults.config

    @router.get("/state")
    def state() -> dict[str, Any]:
        return backend.state()

    @router.post("/reset")
    def reset() -> dict[str, bool]:
        backend.reset()
        faults.reset()
        return {"reset": True}

    return router


def sandbox_app(title: str, backend: SimBackend, faults: FaultInjector,
                *routers: APIRouter) -> FastAPI:
    """A simulator: its real-contract routers, the ``/_sim`` admin API, and its state on
    ``app.state`` (``store``/``backend``, ``faults``) for tests that drive it in process."""
    app = FastAPI(title=title)
    for router in routers:
        app.include_router(router)
    app.include_router(admin_router(backend, faults))
    app.state.store = app.state.backend = backend
    app.state.faults = faults
    return app
