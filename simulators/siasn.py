"""Simpeg/SIASN (BKN) sandbox: staff by NIP and the unit tree, behind two tokens.

Under ``/apisiasn/1.0`` (both tokens, see ``simulators/siasn_auth.py``, whose token endpoints run
on their own host): ``pns/data-utama/{nipBaru}``, ``pns/rw-jabatan/{nipBaru}`` (unordered),
``referensi/ref-unor``. Reads answer ``{"code": 1, "data": …}``; not found is HTTP 404
``{"code": 0, "data": "Data tidak ditemukan"}``. There is **no** unit-member endpoint, as at BKN.
Staff change: ``POST /_sim/advance`` moves a NIP to another OPD, changes their post, or ends
their service; ``/_sim/expire_tokens`` and ``/_sim/config`` drive the tokens.
"""

from __future__ import annotations

import copy
import threading
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from simulators.admin import SeedRequest, admin_router
from simulators.clock import LogicalClock
from simulators.faults import FaultInjector
from simulators.siasn_auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_SECRET,
    AuthConfig,
    Tokens,
    auth_app,
    both_tokens,
)
from simulators.siasn_data import OTHER_POSTS, history_item, make_staff, ref_unor, set_post

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_SECRET", "create_app", "create_auth_app"]
API = "/apisiasn/1.0"
Staff = dict[str, Any]


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str
    # transfer: to another OPD; post: another post in the same OPD; left: out of service;
    # no_unit: the record loses its unit ("" as SIASN writes missing values).
    kind: Literal["transfer", "post", "left", "no_unit"] = "transfer"


class ExpireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    which: Literal["apim", "sso", "both"] = "both"


class SiasnStore:
    def __init__(self, clock: LogicalClock, tokens: Tokens) -> None:
        self.clock = clock
        self.tokens = tokens
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._staff: dict[str, Staff] = {}
            self.moves = 0
            self.calls: dict[str, int] = {}
        self.tokens.reset()

    def seed(self, request: SeedRequest) -> int:
        staff = make_staff(min(max(request.n, 4), 8), request.seed, self.clock.peek().date())
        with self._lock:
            self._staff = {str(s["nipBaru"]): s for s in staff}
        return len(staff)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"count": len(self._staff), "tokens_issued": dict(self.tokens.issued),
                    "moves": self.moves, "calls": dict(self.calls),
                    "staff": copy.deepcopy(list(self._staff.values()))}

    def count(self, endpoint: str) -> None:
        with self._lock:
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1

    def person(self, nip: str) -> Staff | None:
        with self._lock:
            found = self._staff.get(nip)
            return copy.deepcopy(found) if found else None

    def units(self) -> list[dict[str, Any]]:
        with self._lock:
            return ref_unor(list(self._staff.values()))

    def advance(self, change: AdvanceIn) -> Staff:
        with self._lock:
            person = self._staff[change.nip]
            today = self.clock.peek().date()
            if change.kind == "left":
                person.update(kedudukanPnsId="99", kedudukanPnsNama="Pensiun",
                              tmtPensiun=today.strftime("%d-%m-%Y"))
            elif change.kind == "no_unit":
                person.update(unorId="", unorNama="", unorIndukId="", unorIndukNama="")
            elif change.kind == "post":
                self._repost(person, person["unorId"], person["unorNama"], today)
            else:
                others = sorted({(s["unorIndukId"], s["unorIndukNama"])
                                 for s in self._staff.values()
                                 if s["unorIndukId"] and s["unorIndukId"] != person["unorIndukId"]})
                target = others[self.moves % len(others)]
                person.update(unorIndukId=target[0], unorIndukNama=target[1],
                              satuanKerjaIndukId=target[0], satuanKerjaIndukNama=target[1])
                self._repost(person, target[0], target[1], today)
            self.moves += 1
            return copy.deepcopy(person)

    @staticmethod
    def _repost(person: Staff, unor: str, unor_nama: str, today: date) -> None:
        title = OTHER_POSTS[0]
        post_id = "8ae48288597fac650159824e0aa19999"
        person.update(unorId=unor, unorNama=unor_nama)
        set_post(person, "2", title, post_id, today)
        induk = (person["unorIndukId"], person["unorIndukNama"])
        # Appended, but the list is not kept in order: clients must sort by tmtJabatan.
        person["riwayat"].insert(0, history_item(person, "2", title, post_id, (unor, unor_nama),
                                                 induk, today))


def _public(person: Staff) -> Staff:
    return {k: v for k, v in person.items() if k != "riwayat"}


def _not_found() -> JSONResponse:
    return JSONResponse({"code": 0, "data": "Data tidak ditemukan"}, status_code=404)


def api_router(store: SiasnStore, faults: FaultInjector) -> APIRouter:
    router = APIRouter(prefix=API, dependencies=[Depends(both_tokens(store.tokens)),
                                                 Depends(faults.request_faults)])

    def found(value: Any) -> JSONResponse:
        return JSONResponse({"code": 1, "data": value})

    @router.get("/pns/data-utama/{nip}")
    async def data_utama(nip: str) -> JSONResponse:
        store.count("data-utama")
        person = store.person(nip)
        return found(_public(person)) if person else _not_found()

    @router.get("/pns/rw-jabatan/{nip}")
    async def rw_jabatan(nip: str) -> JSONResponse:
        store.count("rw-jabatan")
        person = store.person(nip)
        return found(person["riwayat"]) if person else _not_found()

    @router.get("/referensi/ref-unor")
    async def units() -> JSONResponse:
        store.count("ref-unor")
        return found(store.units())

    return router


def create_app(clock: LogicalClock | None = None, tokens: Tokens | None = None) -> FastAPI:
    """The API host. Its tokens come from ``create_auth_app(app)``, served on another port."""
    store = SiasnStore(clock or LogicalClock(), tokens or Tokens())
    store.seed(SeedRequest(n=4, seed=0))  # staff exist from the start; /_sim/reset empties
    faults = FaultInjector()
    app = FastAPI(title="Simpeg/SIASN sandbox (apisiasn)")
    app.include_router(api_router(store, faults))
    app.include_router(admin_router(store, faults))

    @app.post("/_sim/advance")
    def advance(change: AdvanceIn) -> dict[str, Any]:
        return _public(store.advance(change))

    @app.post("/_sim/expire_tokens")
    def expire_tokens(change: ExpireIn | None = None) -> dict[str, bool]:
        store.tokens.expire((change or ExpireIn()).which)
        return {"expired": True}

    @app.post("/_sim/config")
    def config(change: AuthConfig) -> AuthConfig:
        store.tokens.config = change
        return change

    app.state.store = store
    app.state.backend = store
    app.state.faults = faults
    return app


def create_auth_app(api: FastAPI, client_id: str = DEFAULT_CLIENT_ID,
                    client_secret: str = DEFAULT_SECRET) -> FastAPI:
    """The token host for ``api``: they share the tokens, not the port."""
    store: SiasnStore = api.state.store
    app = auth_app(store.tokens, api.state.faults, client_id, client_secret)
    # The same /_sim admin as the API host, so tools that reset every simulator reach both.
    app.include_router(admin_router(store, api.state.faults))
    app.state.backend = store
    return app
