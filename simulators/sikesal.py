"""Sikesal (Kota Jambi) sandbox: the ``laporan`` table as a read-only export, and the answer script.

The export (``GET /api/v1/laporan``, **assumed**: Jambi publishes no API) pages by the
auto-increment ``id_laporan``: ``after`` the last id read, ``limit`` rows. Ids never change, so a
row that changes while a client pages is never skipped or moved; the client sees the change when it
reads that row again. There is no updated-at column, as in the real table.

The answer script (``POST /api/v1/tanggapan``) mirrors the public PHP backend: form fields,
``id_user`` as a parameter instead of a token, ``{"success": 1, "message": "…"}``.
"""

from __future__ import annotations

import bisect
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Response
from fastapi.responses import JSONResponse

from simulators.admin import SeedRequest, sandbox_app
from simulators.auth import bearer_auth
from simulators.clock import LogicalClock
from simulators.faults import FaultInjector
from simulators.sikesal_data import STATUSES, answer, make_records, respond

DEFAULT_TOKEN = "sandbox-sikesal-token"  # noqa: S105 - sandbox credential, documented in the contract
Record = dict[str, Any]
_CHURN_NEXT = {"baru": "tanggapan", "tanggapan": "selesai"}


class SikesalStore:
    """Rows by ``id_laporan`` (ascending, as the table's primary key orders them)."""

    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock = clock
        self.faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._records: dict[int, Record] = {}
            self._ids: list[int] = []
            self._answers: list[dict[str, Any]] = []

    def seed(self, request: SeedRequest) -> int:
        records = make_records(request.n, request.seed, request.bad_rate, self.clock.peek())
        with self._lock:
            self._records = {r["id_laporan"]: r for r in records}
            self._ids = sorted(self._records)
            self._answers = []
        return len(records)

    def state(self) -> dict[str, Any]:
        with self._lock:
            records = [dict(self._records[i]) for i in self._ids]
            answers = [dict(a) for a in self._answers]
        return {"records": records, "count": len(records), "tanggapan": answers}

    def page(self, after: int, limit: int) -> tuple[list[Record], int, bool]:
        with self._lock:
            start = bisect.bisect_right(self._ids, after)
            fresh = self._ids[start:start + limit]
            # Duplicates: rows of the previous page (just below ``after``) served again.
            before = self._ids[max(0, start - limit):start]
            again = self.faults.pick_duplicates([str(i) for i in before], cap=max(1, limit // 4))
            rows = [dict(self._records[int(i)]) for i in again]
            rows += [dict(self._records[i]) for i in fresh]
            last = fresh[-1] if fresh else after
            more = start + limit < len(self._ids)
        return rows, last, more

    def churn(self, count: int) -> None:
        """``count`` random rows move on, as OPD officers answer while a client pages."""
        with self._lock:
            for rid in self.faults.sample(self._ids, count):
                record = self._records[rid]
                record["view"] += 1
                status = _CHURN_NEXT.get(record["status_laporan"])
                if status is not None:
                    respond(record, status, answer(record["id_masalah"], status),
                            self.clock.now())

    def answer(self, rid: int, status: str | None, tanggapan: str | None,
               id_user: int) -> bool:
        with self._lock:
            record = self._records.get(rid)
            if record is None:
                return False
            respond(record, status or record["status_laporan"], tanggapan, self.clock.now())
            self._answers.append({"id_laporan": rid, "id_user": id_user,
                                  "status_laporan": record["status_laporan"],
                                  "tanggapan_dinas": tanggapan})
            return True


def _reply(success: int, message: str) -> JSONResponse:
    # The PHP scripts answer 200 either way; ``success`` says what happened.
    return JSONResponse({"success": success, "message": message})


def export_router(store: SikesalStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1",
                       dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.get("/laporan")
    async def list_laporan(after: int = Query(default=0, ge=0, le=2**63 - 1),
                           limit: int = Query(default=100, ge=1, le=500)) -> Response:
        records, last_id, more = store.page(after, limit)
        if faults.config.churn_per_page:
            store.churn(faults.config.churn_per_page)
        payload = {"data": faults.corrupt_page(records), "last_id": last_id, "more": more}
        return faults.truncated(payload) or JSONResponse(payload)

    return router


def answer_router(store: SikesalStore, faults: FaultInjector) -> APIRouter:
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(faults.request_faults)])

    @router.post("/tanggapan")
    async def tanggapan(id_user: Annotated[str, Form()] = "",
                        id_laporan: Annotated[str, Form()] = "",
                        status_laporan: Annotated[str | None, Form()] = None,
                        tanggapan_dinas: Annotated[str | None, Form()] = None) -> JSONResponse:
        if not id_user.isdigit() or not id_laporan.isdigit():
            return _reply(0, "Data tidak lengkap")
        if status_laporan is not None and status_laporan not in STATUSES:
            return _reply(0, "Status laporan tidak valid")
        if tanggapan_dinas is not None and not tanggapan_dinas.strip():
            return _reply(0, "Tanggapan tidak boleh kosong")
        if not store.answer(int(id_laporan), status_laporan, tanggapan_dinas, int(id_user)):
            return _reply(0, "Laporan tidak ditemukan")
        return _reply(1, "Tanggapan berhasil dikirim")

    return router


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    store = SikesalStore(clock or LogicalClock(), faults)
    return sandbox_app("Sikesal (Kota Jambi) sandbox", store, faults,
                       export_router(store, faults, token), answer_router(store, faults))
