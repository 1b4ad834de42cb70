"""SIAK/Dukcapil gateway sandbox: verify-by-element and NIK lookup over a seeded population.

Business outcomes are always HTTP 200 with a ``RESPONSE_CODE``, as the real gateway answers.
Quota and access hours are simulator settings: constructor arguments of ``create_app`` and
``POST /_sim/config`` at run time (merged, like ``/_sim/faults``); ``/_sim/reset`` restores the
constructor's values.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.admin import SeedRequest, admin_router
from simulators.clock import LogicalClock
from simulators.faults import FaultInjector
from simulators.population import CITIES, Resident, nik_birth_date, residents

MESSAGES = {"01": "Data ditemukan", "03": "Login gagal", "05": "Kuota akses harian habis",
            "06": "Di luar jam akses", "11": "Data penduduk meninggal dunia",
            "13": "Data tidak ditemukan", "14": "Data penduduk tidak aktif",
            "15": "Format NIK salah"}
_HOURS = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class DukcapilConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = "hub"
    password: str = "sandbox-dukcapil-pass"  # noqa: S105 - sandbox credential from the contract
    daily_quota: int = Field(default=100_000, ge=0)
    access_hours: str = Field(default="00:00-24:00", pattern=_HOURS.pattern)


class GatewayRequest(BaseModel):
    """The body of both calls; elements left out are not checked."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    USER_ID: str = ""
    PASSWORD: str = ""
    IP_USER: str = ""
    TRESHOLD: int = Field(default=90, ge=0, le=100)
    NIK: str = ""
    NAMA_LGKP: str | None = None
    TMPT_LHR: str | None = None
    TGL_LHR: str | None = None
    JENIS_KLMIN: str | None = None


def _minutes(hh: str, mm: str) -> int:
    return int(hh) * 60 + int(mm)


def within_hours(hours: str, now: datetime) -> bool:
    match = _HOURS.match(hours)
    if match is None:
        raise ValueError(f"bad access_hours {hours!r}")
    start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
    at = now.hour * 60 + now.minute
    # A window like 22:00-06:00 wraps past midnight.
    return start <= at < end if start <= end else at >= start or at < end


def _norm(text: str) -> str:
    return " ".join(text.upper().split())


def fuzzy(given: str, actual: str, threshold: int) -> str:
    score = round(SequenceMatcher(None, _norm(given), _norm(actual)).ratio() * 100)
    if score == 100:
        return "Sesuai"
    return f"Sesuai ({score})" if score >= threshold else "Tidak Sesuai"


def exact(given: str, actual: str) -> str:
    return "Sesuai" if _norm(given) == _norm(actual) else "Tidak Sesuai"


def compare(req: GatewayRequest, who: Resident) -> dict[str, str]:
    result = {"NIK": "Sesuai"}
    if req.NAMA_LGKP is not None:
        result["NAMA_LGKP"] = fuzzy(req.NAMA_LGKP, who.nama, req.TRESHOLD)
    if req.TMPT_LHR is not None:
        result["TMPT_LHR"] = fuzzy(req.TMPT_LHR, who.tempat_lahir, req.TRESHOLD)
    if req.TGL_LHR is not None:
        result["TGL_LHR"] = exact(req.TGL_LHR, who.tanggal_lahir.strftime("%d-%m-%Y"))
    if req.JENIS_KLMIN is not None:
        result["JENIS_KLMIN"] = exact(req.JENIS_KLMIN[:1], who.jenis_kelamin[:1])
    return result


class Gateway:
    """Population, status flags and the daily call counter."""

    def __init__(self, config: DukcapilConfig, clock: LogicalClock) -> None:
        self.initial = config
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.config = self.initial
            self._people: dict[str, Resident] = {}
            self._flags: dict[str, str] = {}  # NIK -> "11" deceased | "14" inactive
            self._day: date | None = None
            self._calls = 0

    def configure(self, patch: dict[str, Any]) -> DukcapilConfig:
        merged = DukcapilConfig.model_validate({**self.config.model_dump(), **patch})
        with self._lock:
            self.config = merged
        return merged

    def seed(self, request: SeedRequest) -> int:
        """``n`` residents in each city of ``CITIES``; ``bad_rate`` of them deceased or inactive."""
        people = {p.nik: p for kode in CITIES for p in residents(kode, request.seed, request.n)}
        rng = random.Random(f"dukcapil:{request.seed}")
        flags = {nik: rng.choice(("11", "14")) for nik in people if rng.random() < request.bad_rate}
        with self._lock:
            self._people, self._flags = people, flags
        return len(people)

    def quota_left(self) -> int:
        with self._lock:
            self._roll_day()
            return max(0, self.config.daily_quota - self._calls)

    def state(self) -> dict[str, Any]:
        left = self.quota_left()
        return {"residents": len(self._people), "calls_today": self._calls, "quota_left": left}

    def admit(self, req: GatewayRequest) -> str | None:
        """The refusal code for this call, or None after charging it to today's quota."""
        cfg = self.config
        if not (secrets.compare_digest(req.USER_ID.encode(), cfg.user_id.encode())
                and secrets.compare_digest(req.PASSWORD.encode(), cfg.password.encode())):
            return "03"
        if not within_hours(cfg.access_hours, self.clock.peek()):
            return "06"
        with self._lock:
            self._roll_day()
            if self._calls >= cfg.daily_quota:
                return "05"
            self._calls += 1
        return None

    def find(self, nik: str) -> Resident | str:
        if len(nik) != 16 or not nik.isdigit() or nik_birth_date(nik) is None or nik[12:] == "0000":
            return "15"
        with self._lock:
            who = self._people.get(nik)
            return self._flags.get(nik, who) if who is not None else "13"

    def _roll_day(self) -> None:
        today = self.clock.peek().date()
        if today != self._day:
            self._day, self._calls = today, 0


def api_router(gateway: Gateway, faults: FaultInjector) -> APIRouter:
    router = APIRouter(prefix="/dukcapil/get_json/{instansi}",
                       dependencies=[Depends(faults.request_faults)])

    def envelope(content: dict[str, Any]) -> dict[str, Any]:
        return {"content": [content], "lastPage": True, "numberOfElements": 1,
                "quotaLimiter": gateway.quota_left()}

    def refusal(code: str) -> dict[str, Any]:
        return envelope({"RESPONSE_CODE": code, "RESPONSE": MESSAGES[code]})

    def lookup(req: GatewayRequest) -> Resident | dict[str, Any]:
        code = gateway.admit(req)
        if code is not None:
            return refusal(code)
        found = gateway.find(req.NIK)
        return refusal(found) if isinstance(found, str) else found

    @router.post("/CALL_VERIFY_BY_ELEMEN")
    async def verify(instansi: str, req: GatewayRequest) -> dict[str, Any]:
        found = lookup(req)
        if isinstance(found, dict):
            return found
        return envelope({"RESPONSE_CODE": "01", **compare(req, found)})

    @router.post("/CALL_NIK")
    async def by_nik(instansi: str, req: GatewayRequest) -> dict[str, Any]:
        found = lookup(req)
        if isinstance(found, dict):
            return found
        return envelope({"RESPONSE_CODE": "01", "NIK": found.nik, "NAMA_LGKP": found.nama.upper(),
                         "KEL_NAME": found.kelurahan.upper(), "KEC_NAME": found.kecamatan.upper(),
                         "KAB_NAME": found.kabkota.upper(), "PROP_NAME": found.provinsi.upper()})

    return router


def create_app(config: DukcapilConfig | None = None, clock: LogicalClock | None = None) -> FastAPI:
    gateway = Gateway(config or DukcapilConfig(), clock or LogicalClock())
    faults = FaultInjector()
    app = FastAPI(title="SIAK/Dukcapil gateway sandbox")
    app.include_router(api_router(gateway, faults))
    app.include_router(admin_router(gateway, faults))

    @app.post("/_sim/config")
    def configure(patch: dict[str, Any]) -> dict[str, Any]:
        try:
            return gateway.configure(patch).model_dump(exclude={"password"})
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc

    app.state.gateway = gateway
    app.state.backend = gateway
    app.state.faults = faults
    return app
