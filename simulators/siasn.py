"""Simpeg/SIASN (BKN) sandbox: OAuth2 client-credentials tokens and staff data by NIP and unit.

``POST /oauth2/token`` (form: ``grant_type=client_credentials``, ``client_id``, ``client_secret``)
→ ``{"access_token", "token_type": "bearer", "expires_in"}``; tokens expire after
``token_ttl_s``. Under ``/apisiasn/1.0`` (bearer token): ``pns/data-utama/{nipBaru}``,
``pns/rw-jabatan/{nipBaru}``, ``unor/{unorId}/pegawai``, answers wrapped as SIASN does
(``{"code": 1, "data": ...}``). Staff move: ``POST /_sim/advance`` transfers complaint officers to
another unit (a colleague takes the post) or leaves a record without a unit.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from simulators.admin import SeedRequest, admin_router
from simulators.clock import LogicalClock, iso
from simulators.faults import FaultInjector
from simulators.siasn_data import COMPLAINT_POST, OTHER_POSTS, make_staff

DEFAULT_CLIENT_ID = "lapor-hub"
DEFAULT_SECRET = "sandbox-siasn-secret"  # noqa: S105 - sandbox credential, documented in the contract
API = "/apisiasn/1.0"
Staff = dict[str, Any]


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=1, ge=0)
    nip: str | None = None  # this officer (default: the complaint officers of the next units)
    kind: Literal["transfer", "no_unit"] = "transfer"


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token_ttl_s: float = Field(default=3600.0, gt=0)


class SiasnStore:
    def __init__(self, clock: LogicalClock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.config = ConfigIn()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._staff: dict[str, Staff] = {}
            self._tokens: dict[str, float] = {}
            self.tokens_issued = 0
            self.moves = 0

    def seed(self, request: SeedRequest) -> int:
        staff = make_staff(min(max(request.n, 3), 12), request.seed, self.clock.peek())
        with self._lock:
            self._staff = {str(s["nipBaru"]): s for s in staff}
        return len(staff)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"count": len(self._staff), "tokens_issued": self.tokens_issued,
                    "moves": self.moves, "staff": copy.deepcopy(list(self._staff.values()))}

    def issue_token(self) -> tuple[str, float]:
        with self._lock:
            token = secrets.token_urlsafe(24)
            self._tokens[token] = time.monotonic() + self.config.token_ttl_s
            self.tokens_issued += 1
            return token, self.config.token_ttl_s

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def token_valid(self, token: str) -> bool:
        with self._lock:
            return self._tokens.get(token, 0.0) > time.monotonic()

    def person(self, nip: str) -> Staff | None:
        with self._lock:
            found = self._staff.get(nip)
            return copy.deepcopy(found) if found else None

    def unit(self, unor: str) -> list[Staff]:
        with self._lock:
            return [copy.deepcopy(s) for s in self._staff.values() if s["unorId"] == unor]

    def advance(self, change: AdvanceIn) -> list[str]:
        """Move officers; returns the NIPs moved (for tests)."""
        with self._lock:
            officers = [s for s in self._staff.values()
                        if s["jabatanNama"] == COMPLAINT_POST and s["unorId"]]
            if change.nip is not None:
                officers = [s for s in officers if s["nipBaru"] == change.nip]
            else:  # rotate through the units, so repeated calls move different people
                start = self.moves % max(1, len(officers))
                officers = officers[start:] + officers[:start]
            moved = []
            for officer in officers[:change.n]:
                self._move(officer, change.kind)
                moved.append(str(officer["nipBaru"]))
            return moved

    def _move(self, officer: Staff, kind: str) -> None:
        now = iso(self.clock.now())
        home = officer["unorId"]
        colleague = next((s for s in self._staff.values()
                          if s["unorId"] == home and s is not officer), None)
        if colleague is not None:  # the post does not stay empty
            self._post(colleague, colleague["unorId"], colleague["unorNama"], COMPLAINT_POST, now)
        if kind == "no_unit":
            officer["unorId"] = officer["unorNama"] = None
        else:
            units = sorted({(s["unorId"], s["unorNama"]) for s in self._staff.values()
                            if s["unorId"] and s["unorId"] != home})
            target = units[self.moves % len(units)]
            self._post(officer, target[0], target[1], OTHER_POSTS[0], now)
        self.moves += 1

    @staticmethod
    def _post(person: Staff, unor: str, nama: str, post: str, now: str) -> None:
        person.update(unorId=unor, unorNama=nama, jabatanNama=post, tmtJabatan=now)
        person["riwayat"].append({"unorId": unor, "unorNama": nama, "jabatanNama": post,
                                  "tmtJabatan": now})


def _public(person: Staff) -> Staff:
    return {k: v for k, v in person.items() if k != "riwayat"}


def api_router(store: SiasnStore, faults: FaultInjector) -> APIRouter:
    async def bearer(request: Request) -> None:
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer ") or not store.token_valid(given[7:]):
            raise HTTPException(status_code=401, detail="invalid token",
                                headers={"WWW-Authenticate": "Bearer"})

    router = APIRouter(prefix=API, dependencies=[Depends(bearer),
                                                 Depends(faults.request_faults)])

    def found(value: Any) -> JSONResponse:
        return JSONResponse({"code": 1, "data": value})

    @router.get("/pns/data-utama/{nip}")
    async def data_utama(nip: str) -> JSONResponse:
        person = store.person(nip)
        if person is None:
            return JSONResponse({"code": 0, "data": "Data tidak ditemukan"}, status_code=404)
        return found(_public(person))

    @router.get("/pns/rw-jabatan/{nip}")
    async def rw_jabatan(nip: str) -> JSONResponse:
        person = store.person(nip)
        if person is None:
            return JSONResponse({"code": 0, "data": "Data tidak ditemukan"}, status_code=404)
        return found(person["riwayat"])

    @router.get("/unor/{unor}/pegawai")
    async def pegawai(unor: str) -> JSONResponse:
        return found([{k: s[k] for k in ("nipBaru", "nama", "jabatanNama", "golRuangAkhir")}
                      for s in store.unit(unor)])

    return router


def create_app(client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_SECRET,
               clock: LogicalClock | None = None) -> FastAPI:
    store = SiasnStore(clock or LogicalClock())
    store.seed(SeedRequest(n=4, seed=0))  # staff exist from the start; /_sim/reset empties
    faults = FaultInjector()
    app = FastAPI(title="Simpeg/SIASN sandbox")

    @app.post("/oauth2/token", dependencies=[Depends(faults.request_faults)])
    async def token(request: Request) -> JSONResponse:
        # A form body (application/x-www-form-urlencoded), parsed here: no multipart needed.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        ok = secrets.compare_digest(form.get("client_id", ""), client_id) and \
            secrets.compare_digest(form.get("client_secret", ""), client_secret)
        if form.get("grant_type") != "client_credentials" or not ok:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value, ttl = store.issue_token()
        return JSONResponse({"access_token": value, "token_type": "bearer", "expires_in": ttl})

    app.include_router(api_router(store, faults))
    app.include_router(admin_router(store, faults))

    @app.post("/_sim/advance")
    def advance(change: AdvanceIn) -> dict[str, list[str]]:
        return {"moved": store.advance(change)}

    @app.post("/_sim/expire_tokens")
    def expire_tokens() -> dict[str, bool]:
        store.expire_tokens()
        return {"expired": True}

    @app.post("/_sim/config")
    def config(change: ConfigIn) -> ConfigIn:
        store.config = change
        return change

    app.state.store = store
    app.state.backend = store
    app.state.faults = faults
    return app
