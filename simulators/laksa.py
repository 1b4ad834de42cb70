"""Laksa (Kota Tangerang) sandbox at ``/api``: page-number paging over reports that change.

Pages are slices of one ordering by ``(updated_at, id)``, ascending or descending. Page numbers
carry no position, so a record updated between two page fetches moves to the newest end and
shifts the records it passed by one place: ascending, that skips a record; descending (newest
first), it only serves one again. The sandbox reproduces this faithfully; the hub must cope.

``POST /api/laporan/{id}/tindak-lanjut`` (assumed: the real Laksa API has no write endpoint) is
what an OPD officer's app would send: a status and a note. The note is served back in the
record's ``tindak_lanjut`` list, which a record only gets with its first follow-up, so seeded
records (and every fault drawn over their fields) stay as they were.
"""

from __future__ import annotations

import bisect
import copy
import threading
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from simulators.admin import SeedRequest, sandbox_app
from simulators.auth import bearer_auth
from simulators.clock import LogicalClock
from simulators.faults import FaultInjector
from simulators.laksa_data import make_records, to_ms

DEFAULT_TOKEN = "sandbox-laksa-token"  # noqa: S105 - sandbox credential, documented in the contract
MAX_PAGE_SIZE = 200
Key = tuple[int, int]  # (updated_at ms, id)
Record = dict[str, Any]
Sort = Literal["updated_at", "-updated_at"]
_CHURN_NEXT: dict[str, str] = {"menunggu": "proses", "proses": "selesai"}


class TindakLanjutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["menunggu", "proses", "selesai"]
    # The officer's app always says something: a follow-up is a note to the citizen.
    catatan: str = Field(min_length=1, pattern=r"\S")
    oleh: str = Field(min_length=1, pattern=r"\S")


class LaksaStore:
    """Records by id and their keys in ascending ``(updated_at, id)`` order."""

    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock = clock
        self.faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._records: dict[int, Record] = {}
            self._order: list[Key] = []
            self._last_ms = 0
            # Ids the duplicate fault serves again, by the (sort, page_size, page) they go to.
            self._again: dict[tuple[str, int, int], list[int]] = {}
            self._follow_ups = 0

    def seed(self, request: SeedRequest) -> int:
        records = make_records(request.n, request.seed, request.bad_rate, self.clock.peek())
        with self._lock:
            self._records = {r["id"]: r for r in records}
            self._order = sorted(_key(r) for r in records)
            self._last_ms = self._order[-1][0] if self._order else 0
            self._again = {}
            self._follow_ups = 0
        return len(records)

    def state(self) -> dict[str, Any]:
        with self._lock:
            records = [copy.deepcopy(self._records[i]) for _, i in self._order]
            follow_ups = self._follow_ups
        return {"records": records, "count": len(records), "tindak_lanjut": follow_ups}

    def page(self, page: int, size: int, sort: Sort) -> tuple[list[Record], int]:
        """Records of ``page`` (1-based) in ``sort`` order, and the total count."""
        with self._lock:
            total = len(self._order)
            start = (page - 1) * size
            if sort == "updated_at":
                keys = self._order[start:start + size]
            else:
                keys = self._order[max(0, total - start - size):max(0, total - start)][::-1]
            ids = [i for _, i in keys]
            dups = [dict(self._records[i]) for i in self._again.pop((sort, size, page), [])
                    if i in self._records]
            fresh = [dict(self._records[i]) for i in ids]
            if start + size < total and ids:
                repeat = self.faults.pick_duplicates([str(i) for i in ids], cap=max(1, size // 4))
                self._again[(sort, size, page + 1)] = [int(i) for i in repeat]
        # Duplicates come on top of the page: a sloppy server, not one that drops a record.
        return dups + fresh, total

    def churn(self, count: int) -> None:
        """``count`` random reports get a new ``updated_at``: officers work while a client pages."""
        with self._lock:
            for _, rid in self.faults.sample(self._order, count):
                record = self._records[rid]
                self._touch(record, _CHURN_NEXT.get(str(record["status"]), str(record["status"])))

    def follow_up(self, rid: int, body: TindakLanjutIn) -> Record | None:
        """An officer's follow-up: set the status, keep the note, move to the newest end."""
        with self._lock:
            record = self._records.get(rid)
            if record is None:
                return None
            self._touch(record, body.status)
            record.setdefault("tindak_lanjut", []).append(
                {"status": body.status, "catatan": body.catatan, "oleh": body.oleh,
                 "waktu": record["updated_at"]})
            self._follow_ups += 1
            return copy.deepcopy(record)

    def _touch(self, record: Record, status: str) -> None:
        del self._order[bisect.bisect_left(self._order, _key(record))]
        record["status"] = status
        # Milliseconds are coarse: never hand two updates the same stamp.
        self._last_ms = max(to_ms(self.clock.now()), self._last_ms + 1)
        record["updated_at"] = self._last_ms
        self._order.append(_key(record))


def _key(record: Record) -> Key:
    return int(record["updated_at"]), int(record["id"])


def api_router(store: LaksaStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(prefix="/api",
                       dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.get("/laporan")
    async def list_laporan(page: int = Query(default=1, ge=1),
                           page_size: int = Query(default=50, ge=1, le=MAX_PAGE_SIZE),
                           sort: Sort = "-updated_at") -> Response:
        records, total = store.page(page, page_size, sort)
        if faults.config.churn_per_page:
            store.churn(faults.config.churn_per_page)
        payload = {"data": faults.corrupt_page(records), "page": page, "page_size": page_size,
                   "total": total}
        return faults.truncated(payload) or JSONResponse(payload)

    @router.post("/laporan/{rid}/tindak-lanjut")
    async def tindak_lanjut(rid: int, body: TindakLanjutIn) -> Record:
        record = store.follow_up(rid, body)
        if record is None:
            raise HTTPException(status_code=404, detail="laporan tidak ditemukan")
        return record

    return router


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    store = LaksaStore(clock or LogicalClock(), faults)
    return sandbox_app("Laksa (Kota Tangerang) sandbox", store, faults,
                       api_router(store, faults, token))
