"""Sikesal (Kota Jambi) sandbox at ``/api/v1``: keyset-paged complaints that change while read.

Paging is keyset on ``(diperbarui_pada, id)``; the opaque cursor carries the last key served plus
the ids the duplicate fault wants to serve again on the next page. A record updated while a client
pages gets a later key, so it moves behind the cursor and is served again: nothing is lost.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import threading
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from simulators.admin import SeedRequest, sandbox_app
from simulators.auth import bearer_auth
from simulators.clock import WIB, LogicalClock, iso
from simulators.faults import FaultInjector
from simulators.sikesal_data import make_records

DEFAULT_TOKEN = "sandbox-sikesal-token"  # noqa: S105 - sandbox credential, documented in the contract
Key = tuple[datetime, str]
Record = dict[str, Any]
_CHURN_NEXT = {"baru": ("diproses",), "diproses": ("selesai", "selesai", "selesai", "ditolak")}


class PatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["baru", "diproses", "selesai", "ditolak"]
    catatan: str | None = None


class SikesalStore:
    """Records by id and their keys in ascending ``(diperbarui_pada, id)`` order."""

    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock = clock
        self.faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._records: dict[str, Record] = {}
            self._order: list[Key] = []
            self._notes: dict[str, list[str]] = {}

    def seed(self, request: SeedRequest) -> int:
        records = make_records(request.n, request.seed, request.bad_rate, self.clock.peek())
        with self._lock:
            self._records = {r["id"]: r for r in records}
            self._order = sorted(_key(r) for r in records)
            self._notes = {}
            if self._order:
                self.clock.observe(self._order[-1][0])
        return len(records)

    def state(self) -> dict[str, Any]:
        with self._lock:
            records = [dict(self._records[i]) for _, i in self._order]
            notes = {k: list(v) for k, v in self._notes.items()}
        return {"records": records, "count": len(records), "catatan": notes}

    def page(self, since: datetime | None, after: Key | None, again: list[str],
             limit: int) -> tuple[list[Record], str | None]:
        with self._lock:
            start = bisect.bisect_left(self._order, (since, "")) if since else 0
            if after is not None:
                start = max(start, bisect.bisect_right(self._order, after))
            # Leave room for at least one new record, or a page of duplicates would never advance.
            dups = [dict(self._records[i]) for i in again if i in self._records][: limit - 1]
            room = limit - len(dups)
            keys = self._order[start:start + room]
            fresh = [dict(self._records[i]) for _, i in keys]
            more = start + room < len(self._order)
            cursor = None
            if more and keys:
                repeat = self.faults.pick_duplicates([i for _, i in keys], cap=max(1, limit // 4))
                cursor = encode_cursor(keys[-1], repeat)
        return dups + fresh, cursor

    def churn(self, count: int) -> None:
        """``count`` random records get a new version, as officers work while a client pages."""
        with self._lock:
            for _, rid in self.faults.sample(self._order, count):
                record = self._records[rid]
                options = _CHURN_NEXT.get(record["status"])
                status = self.faults.choice(options) if options else record["status"]
                self._update(record, status)

    def patch(self, rid: str, change: PatchIn) -> Record | None:
        with self._lock:
            record = self._records.get(rid)
            if record is None:
                return None
            self._update(record, change.status)
            if change.catatan:
                self._notes.setdefault(rid, []).append(change.catatan)
            return dict(record)

    def _update(self, record: Record, status: str) -> None:
        old = _key(record)
        del self._order[bisect.bisect_left(self._order, old)]
        record["status"] = status
        record["versi"] += 1
        record["diperbarui_pada"] = iso(self.clock.now())
        # The clock only moves forward, so the new key always belongs at the end.
        self._order.append(_key(record))


def _key(record: Record) -> Key:
    return datetime.fromisoformat(record["diperbarui_pada"]), record["id"]


def encode_cursor(key: Key, again: list[str]) -> str:
    raw = json.dumps({"t": iso(key[0]), "i": key[1], "d": again}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Key, list[str]]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = (datetime.fromisoformat(raw["t"]), str(raw["i"]))
        again = [str(i) for i in raw["d"]]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise HTTPException(status_code=422, detail="invalid cursor") from exc
    return key, again


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        # A hand-built URL turns "+07:00" into " 07:00"; accept it rather than silently shift.
        stamp = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail="invalid updated_since") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=WIB)


def api_router(store: SikesalStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1",
                       dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.get("/pengaduan")
    async def list_pengaduan(updated_since: str | None = None, cursor: str | None = None,
                             limit: int = Query(default=100, ge=1, le=500)) -> Response:
        since = parse_since(updated_since)
        after, again = decode_cursor(cursor) if cursor else (None, [])
        records, next_cursor = store.page(since, after, again, limit)
        if faults.config.churn_per_page:
            store.churn(faults.config.churn_per_page)
        payload = {"data": faults.corrupt_page(records), "next_cursor": next_cursor}
        return faults.truncated(payload) or JSONResponse(payload)

    @router.patch("/pengaduan/{rid}")
    async def patch_pengaduan(rid: str, change: PatchIn) -> Record:
        record = store.patch(rid, change)
        if record is None:
            raise HTTPException(status_code=404, detail="pengaduan tidak ditemukan")
        return record

    return router


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    store = SikesalStore(clock or LogicalClock(), faults)
    return sandbox_app("Sikesal (Kota Jambi) sandbox", store, faults,
                       api_router(store, faults, token))
