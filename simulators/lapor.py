"""SP4N-LAPOR! sandbox at ``/api/v1`` (docs/wire-contract.md): takes reports, never deduplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simulators.admin import admin_router
from simulators.auth import bearer_auth
from simulators.clock import LogicalClock, iso
from simulators.faults import DroppedResponse, FaultInjector
from simulators.lapor_admins import Autopilot, AutopilotConfig
from simulators.lapor_forwarder import Forwarder, forwarder_router
from simulators.lapor_legacy import legacy_router
from simulators.lapor_store import LaporanIn, LaporStore, Status, TindakLanjutIn

DEFAULT_TOKEN = "sandbox-lapor-token"  # noqa: S105 - sandbox credential, documented in the contract


def _parse_cursor(sejak: str) -> int:
    if sejak == "":
        return 0
    if not sejak.isdigit():
        raise HTTPException(status_code=422, detail="invalid cursor")
    return int(sejak)


def _parse_search_cursor(cursor: str) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    at, sep, tracking_id = cursor.partition("|")
    try:
        stamp = datetime.fromisoformat(at)
        if not sep or stamp.tzinfo is None:
            raise ValueError(cursor)
        return stamp, int(tracking_id)
    except ValueError:
        raise HTTPException(status_code=422, detail="invalid cursor") from None


def api_router(store: LaporStore, faults: FaultInjector, token: str,
               autopilot: Autopilot | None = None) -> APIRouter:
    router = APIRouter(prefix="/api/v1",
                       dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.post("/laporan", status_code=201)
    async def create(laporan: LaporanIn) -> Response:
        store.posts[laporan.sumber] += 1
        report = store.create(laporan)
        if faults.chance(faults.config.accept_then_fail_rate):
            if faults.chance(0.5):
                return DroppedResponse()
            return JSONResponse({"detail": "bad gateway"}, status_code=502)
        return JSONResponse({"tracking_id": report.tracking_id, "transaksi_id": report.transaksi_id,
                             "status": report.status}, status_code=201)

    @router.get("/laporan")
    async def by_origin(sumber: str, ref_eksternal: str | None = None) -> dict[str, Any]:
        return {"data": store.by_origin(sumber, ref_eksternal)}

    @router.get("/laporan/perubahan")
    async def changes(sejak: str = "", limit: int = Query(default=100, ge=1, le=1000)) -> Response:
        if autopilot is not None and (due := autopilot.due()):
            store.advance(due, rng=autopilot.rng)
        data = store.changes(_parse_cursor(sejak), limit)
        payload = {"data": faults.corrupt_page(data),
                   "next_cursor": data[-1]["cursor"] if data else sejak}
        return faults.truncated(payload) or JSONResponse(payload)

    @router.get("/laporan/cari")
    async def search(sejak: datetime, sampai: datetime, instansi: str | None = None,
                     cursor: str = "", limit: int = Query(default=100, ge=1, le=500)) -> Response:
        # Assumed endpoint (docs/wire-contract.md): the hub's way to find a city's own reports.
        if sejak.tzinfo is None or sampai.tzinfo is None:
            raise HTTPException(status_code=422, detail="sejak/sampai need a UTC offset")
        hits = store.search(sejak, sampai, instansi, _parse_search_cursor(cursor), limit)
        last = hits[-1] if len(hits) == limit else None
        payload = {"data": faults.corrupt_page([r.found() for _, r in hits]),
                   "next_cursor": f"{iso(last[0])}|{last[1].tracking_id}" if last else None}
        return faults.truncated(payload) or JSONResponse(payload)

    @router.post("/laporan/{tracking_id}/tindak-lanjut")
    async def follow_up(tracking_id: str, tl: TindakLanjutIn) -> dict[str, Any]:
        report = store.follow_up(tracking_id, tl)
        if report is None:
            raise HTTPException(status_code=404, detail="laporan tidak ditemukan")
        return {"tracking_id": report.tracking_id, "status": report.status,
                "diperbarui": report.diperbarui}

    return router


class AdvanceRequest(BaseModel):
    n: int = Field(default=1, ge=0)
    to: Status | None = None  # straight to this status (e.g. bukan_wewenang, ditunda)
    tracking_ids: list[int | str] | None = None  # only these reports (default: the oldest open)


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None,
               autopilot_rate: float = 0.0) -> FastAPI:
    """The LAPOR! simulator; ``POST /_sim/advance {"n"}`` lets its admins move reports along,
    ``POST /_sim/autopilot {"rate_per_s"}`` lets them work by themselves over time."""
    store = LaporStore(clock or LogicalClock())
    faults = FaultInjector()
    autopilot = Autopilot(AutopilotConfig(rate_per_s=autopilot_rate))
    app = FastAPI(title="SP4N-LAPOR! sandbox")
    app.include_router(api_router(store, faults, token, autopilot))
    app.include_router(legacy_router(store, faults, token))
    app.include_router(admin_router(store, faults))
    app.include_router(forwarder_router(Forwarder(store, store.clock)))

    @app.post("/_sim/advance")
    def advance(request: AdvanceRequest) -> dict[str, int]:
        return {"advanced": store.advance(request.n, request.to, request.tracking_ids)}

    @app.post("/_sim/autopilot")
    def set_autopilot(config: AutopilotConfig) -> AutopilotConfig:
        autopilot.configure(config)
        return config

    app.state.store = store
    app.state.backend = store
    app.state.faults = faults
    return app
