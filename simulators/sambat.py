"""Sambat (Kota Malang) sandbox: one changelog feed of app, web and SMS reports, and replies.

``GET /api/sambat?since_id=`` pages a feed ordered by an increasing ``feed_id``. Every change to a
report (status, reply) gives it a new, higher feed id and drops its old entry (a compacted
changelog), so a reader paging by ``since_id`` meets each new *and* changed report again, once,
at its newest state. ``POST /api/sambat/{id}/balasan`` answers the citizen; for an SMS report the
answer goes out as an SMS to the sender's number (recorded in ``/_sim/state``).
"""

from __future__ import annotations

import bisect
import copy
import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from simulators.admin import SeedRequest, sandbox_app
from simulators.auth import bearer_auth
from simulators.clock import LogicalClock, iso
from simulators.faults import FaultInjector
from simulators.sambat_data import make_records, opd_reply

DEFAULT_TOKEN = "sandbox-sambat-token"  # noqa: S105 - sandbox credential, documented in the contract
Record = dict[str, Any]
_CHURN_NEXT: dict[str, str] = {"masuk": "diteruskan", "diteruskan": "dijawab", "dijawab": "selesai"}


class BalasanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    isi: str = Field(min_length=1, pattern=r"\S")
    oleh: str = Field(min_length=1)


class SambatStore:
    """Reports by id, and the feed: ascending feed ids, each pointing at one report."""

    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock = clock
        self.faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._reports: dict[str, Record] = {}
            self._feed: list[int] = []
            self._at: dict[int, str] = {}
            self._last_id = 0
            # since_id → report ids the duplicate fault serves again at the head of that page.
            self._again: dict[int, list[str]] = {}
            self._sms_out: list[dict[str, Any]] = []

    def seed(self, request: SeedRequest) -> int:
        records = make_records(request.n, request.seed, request.bad_rate, self.clock.peek())
        self.reset()
        with self._lock:
            for record in records:
                self._reports[record["id"]] = record
                self._append(record)
            if records:
                self.clock.observe(max(datetime.fromisoformat(r["diperbarui"]) for r in records))
        return len(records)

    def state(self) -> dict[str, Any]:
        with self._lock:
            records = [copy.deepcopy(self._reports[self._at[f]]) for f in self._feed]
            sms = copy.deepcopy(self._sms_out)
        return {"records": records, "count": len(records), "last_id": self._last_id,
                "sms_keluar": sms}

    def page(self, since_id: int, limit: int) -> tuple[list[Record], int, bool]:
        """Entries after ``since_id``: (records, last feed id served, whether more follow)."""
        with self._lock:
            if since_id > self._last_id:
                raise HTTPException(status_code=422, detail="invalid since_id")
            start = bisect.bisect_right(self._feed, since_id)
            again = [i for i in self._again.get(since_id, []) if i in self._reports]
            # Leave room for at least one new entry, or a page of duplicates would never advance.
            dups = [copy.deepcopy(self._reports[i]) for i in again][: limit - 1]
            room = limit - len(dups)
            ids = self._feed[start:start + room]
            fresh = [copy.deepcopy(self._reports[self._at[f]]) for f in ids]
            more = start + room < len(self._feed)
            last_id = ids[-1] if ids else since_id
            if more and ids:
                repeat = self.faults.pick_duplicates([self._at[f] for f in ids],
                                                     cap=max(1, limit // 4))
                if repeat:
                    self._again[last_id] = repeat
        return dups + fresh, last_id, more

    def churn(self, count: int) -> None:
        """``count`` random reports change, as OPD officers work while a client pages."""
        with self._lock:
            for rid in self.faults.sample(sorted(self._reports), count):
                record = self._reports[rid]
                status = _CHURN_NEXT.get(str(record["status"]), str(record["status"]))
                if status == "dijawab":
                    record["balasan"].append(
                        {**opd_reply(record["kategori"]), "waktu": iso(self.clock.now())})
                self._update(record, status)

    def reply(self, rid: str, balasan: BalasanIn) -> Record | None:
        with self._lock:
            record = self._reports.get(rid)
            if record is None:
                return None
            waktu = iso(self.clock.now())
            record["balasan"].append({"isi": balasan.isi, "oleh": balasan.oleh, "waktu": waktu})
            if record["kanal"] == "sms":
                self._sms_out.append({"ke": record["pengirim"]["no_hp"], "laporan": rid,
                                      "isi": f"Sambat {rid}: {balasan.isi}", "waktu": waktu})
            # A reply answers the report; a finished one stays finished.
            self._update(record, "selesai" if record["status"] == "selesai" else "dijawab")
            return copy.deepcopy(record)

    def _update(self, record: Record, status: str) -> None:
        old = record["feed_id"]
        del self._feed[bisect.bisect_left(self._feed, old)]
        del self._at[old]
        record["status"] = status
        record["versi"] += 1
        record["diperbarui"] = iso(self.clock.now())
        self._append(record)

    def _append(self, record: Record) -> None:
        # Feed ids only grow, so the new entry always belongs at the end.
        self._last_id += 1
        record["feed_id"] = self._last_id
        self._feed.append(self._last_id)
        self._at[self._last_id] = record["id"]


def api_router(store: SambatStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(prefix="/api",
                       dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.get("/sambat")
    async def feed(since_id: int = Query(default=0, ge=0),
                   limit: int = Query(default=100, ge=1, le=500)) -> Response:
        records, last_id, more = store.page(since_id, limit)
        if faults.config.churn_per_page:
            store.churn(faults.config.churn_per_page)
        payload = {"data": faults.corrupt_page(records), "last_id": last_id, "more": more}
        return faults.truncated(payload) or JSONResponse(payload)

    @router.post("/sambat/{rid}/balasan", status_code=201)
    async def balas(rid: str, balasan: BalasanIn) -> Record:
        record = store.reply(rid, balasan)
        if record is None:
            raise HTTPException(status_code=404, detail="laporan tidak ditemukan")
        return record

    return router


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    store = SambatStore(clock or LogicalClock(), faults)
    return sandbox_app("Sambat (Kota Malang) sandbox", store, faults,
                       api_router(store, faults, token))
