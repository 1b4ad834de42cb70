"""SIAK/Dukcapil gateway sandbox: verify-by-element and NIK lookup over a seeded population.

It answers as the real gateway does (external-systems.md §1): every business outcome is HTTP 200
in the paging envelope with ``quotaLimiter`` = quota left; a successful verification has **no**
``RESPONSE_CODE``, only verdicts (``"Sesuai (100)"``, ``"Tidak Sesuai (59)"``); refusals and
person outcomes carry a two-digit code and a text under ``RESPONSE`` or ``RESPON``; ``CALL_NIK``
takes lower-case keys and answers errors with a text only. Paths take an optional region
segment. Quota, access hours, account state, allowed IPs and the name drift of the population
are settings: ``create_app`` arguments and ``POST /_sim/config`` (merged); ``/_sim/reset``
restores the constructor's values.
"""

from __future__ import annotations

import ipaddress
import random
import re
import secrets
import threading
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.admin import SeedRequest, admin_router
from simulators.clock import LogicalClock
from simulators.dukcapil_wire import call_nik_error, envelope, person, recorded, refusal, verdict
from simulators.faults import FaultInjector
from simulators.population import CITIES, Resident, nik_birth_date, residents

_HOURS = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
# Dukcapil's record of some residents is spelled differently from what they type in a channel.
_DRIFT = {"Muhammad": "Muhamad", "Siti": "Sitti", "Nur": "Noer", "Dewi": "Dewie",
          "Putri": "Putry", "Agus": "Agoes", "Sri": "Srie", "Ahmad": "Achmad"}


class DukcapilConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = "hub"
    password: str = "sandbox-dukcapil-pass"  # noqa: S105 - sandbox credential from the contract
    daily_quota: int = Field(default=100_000, ge=0)
    access_hours: str = Field(default="00:00-24:00", pattern=_HOURS.pattern)
    allowed_ips: list[str] = ["127.0.0.1"]
    account: Literal["active", "user_inactive", "instansi_inactive"] = "active"
    text_key: Literal["RESPONSE", "RESPON"] = "RESPONSE"
    call_nik_lower_case: bool = False  # "Data tidak ditemukan" instead of "Data Tidak Ditemukan"
    # Share of residents whose recorded name is spelled otherwise / is another name entirely.
    name_variant_rate: float = Field(default=0.03, ge=0.0, le=1.0)
    name_other_rate: float = Field(default=0.01, ge=0.0, le=1.0)


class VerifyRequest(BaseModel):
    """``CALL_VERIFY_BY_ELEMEN``: credentials in upper case (or ``user_id``/``password``)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    USER_ID: str = ""
    user_id: str = ""
    PASSWORD: str = ""
    password: str = ""
    IP_USER: str = ""
    TRESHOLD: str = "90"
    NIK: str = ""

    def login(self) -> tuple[str, str, str]:
        return self.USER_ID or self.user_id, self.PASSWORD or self.password, self.IP_USER


class NikRequest(BaseModel):
    """``CALL_NIK``: lower-case keys (``NIK``/``IP_USER`` also seen)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    nik: str = ""
    NIK: str = ""
    user_id: str = ""
    password: str = ""
    ip_user: str = ""
    IP_USER: str = ""

    def login(self) -> tuple[str, str, str]:
        return self.user_id, self.password, self.ip_user or self.IP_USER


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


def compare(sent: dict[str, Any], record: dict[str, str], threshold: int) -> dict[str, str]:
    """A verdict for each element sent that the gateway knows; ``NIK`` always."""
    result = {"NIK": "Sesuai"}
    for key, value in sent.items():
        if key in record and key != "NIK" and isinstance(value, str):
            given = value[:1] if key == "JENIS_KLMIN" else value
            actual = record[key][:1] if key == "JENIS_KLMIN" else record[key]
            result[key] = verdict(key, given, actual, threshold)
    return result


def _variant(name: str, rng: random.Random) -> str:
    words = name.split()
    for i, word in enumerate(words):
        if word in _DRIFT:
            words[i] = _DRIFT[word]
            return " ".join(words)
    last = words[-1]
    words[-1] = last[:-1] + last[-1] * 2 if rng.random() < 0.5 else last[:-1]
    return " ".join(words)


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
            self._names: dict[str, str] = {}  # NIK -> the name as Dukcapil records it
            self._flags: dict[str, str] = {}  # NIK -> "11" deceased | "12" double | "14" inactive
            self._day: date | None = None
            self._calls = 0

    def configure(self, patch: dict[str, Any]) -> DukcapilConfig:
        merged = DukcapilConfig.model_validate({**self.config.model_dump(), **patch})
        with self._lock:
            self.config = merged
        return merged

    def seed(self, request: SeedRequest) -> int:
        """``n`` residents in each city of ``CITIES``; ``bad_rate`` of them with a person code,
        and ``name_variant_rate``/``name_other_rate`` recorded under another spelling/name."""
        people = {p.nik: p for kode in CITIES for p in residents(kode, request.seed, request.n)}
        rng = random.Random(f"dukcapil:{request.seed}")
        flags = {nik: rng.choice(("11", "12", "14")) for nik in people
                 if rng.random() < request.bad_rate}
        names: dict[str, str] = {}
        cfg = self.config
        donors = list(people.values())
        for nik, who in people.items():
            draw = rng.random()
            if draw < cfg.name_variant_rate:
                names[nik] = _variant(who.nama, rng)
            elif draw < cfg.name_variant_rate + cfg.name_other_rate:
                names[nik] = rng.choice(donors).nama
        with self._lock:
            self._people, self._flags, self._names = people, flags, names
        return len(people)

    def quota_left(self) -> int:
        with self._lock:
            self._roll_day()
            return max(0, self.config.daily_quota - self._calls)

    def state(self) -> dict[str, Any]:
        left = self.quota_left()
        return {"residents": len(self._people), "calls_today": self._calls, "quota_left": left,
                "renamed": sorted(self._names)}

    def admit(self, login: tuple[str, str, str]) -> str | None:
        """The refusal code for this call, or None after charging it to today's quota."""
        cfg = self.config
        user, password, ip = login
        if not (user and password and ip):
            return "09"
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return "10"
        if not (secrets.compare_digest(user.encode(), cfg.user_id.encode())
                and secrets.compare_digest(password.encode(), cfg.password.encode())):
            return "03"
        if ip not in cfg.allowed_ips:
            return "04"
        if cfg.account != "active":
            return "16" if cfg.account == "instansi_inactive" else "17"
        if not within_hours(cfg.access_hours, self.clock.peek()):
            return "06"
        with self._lock:
            self._roll_day()
            if self._calls >= cfg.daily_quota:
                return "05"
            self._calls += 1
        return None

    def find(self, nik: str) -> dict[str, str] | str:
        if len(nik) != 16 or not nik.isdigit() or nik_birth_date(nik) is None or nik[12:] == "0000":
            return "15"
        with self._lock:
            who = self._people.get(nik)
            if who is None:
                return "13"
            if nik in self._flags:
                return self._flags[nik]
            record = recorded(who)
            if nik in self._names:
                record["NAMA_LGKP"] = self._names[nik].upper()
            return record

    def _roll_day(self) -> None:
        today = self.clock.peek().date()
        if today != self._day:
            self._day, self._calls = today, 0


def api_router(gateway: Gateway, faults: FaultInjector) -> APIRouter:
    router = APIRouter(dependencies=[Depends(faults.request_faults)])

    def answer(item: dict[str, Any]) -> dict[str, Any]:
        return envelope(item, gateway.quota_left())

    async def verify(req: VerifyRequest) -> dict[str, Any]:
        key = gateway.config.text_key
        code = gateway.admit(req.login())
        if code is None and not (req.NIK and req.TRESHOLD.isdigit()
                                 and 0 <= int(req.TRESHOLD) <= 100):
            code = "07"
        if code is not None:
            return answer(refusal(code, key))
        found = gateway.find(req.NIK)
        if isinstance(found, str):
            return answer(refusal(found, key))
        return answer(compare(req.model_dump(), found, int(req.TRESHOLD)))

    async def by_nik(req: NikRequest) -> dict[str, Any]:
        lower = gateway.config.call_nik_lower_case
        code = gateway.admit(req.login())
        if code is not None:
            return answer(call_nik_error(code, lower))
        nik = req.nik or req.NIK
        found = gateway.find(nik)
        if isinstance(found, str):
            return answer(call_nik_error(found, lower))
        return answer(person(found, nik[:6]))

    verify_names = {"call_verify_by_elemen", "koneksitas_verifby_elemen"}
    nik_names = {"call_nik", "get_nik"}

    async def dispatch(method: str, request: Request) -> Any:
        name = method.lower()
        try:
            raw = await request.json()
            if name in verify_names:
                return await verify(VerifyRequest.model_validate(raw))
            if name in nik_names:
                return await by_nik(NikRequest.model_validate(raw))
        except (ValueError, ValidationError):
            pass
        return answer(refusal("07", gateway.config.text_key))

    @router.post("/dukcapil/get_json/{instansi}/{method}")
    async def central(instansi: str, method: str, request: Request) -> Any:
        return await dispatch(method, request)

    @router.post("/dukcapil/get_json/{region}/{instansi}/{method}")
    async def regional(region: str, instansi: str, method: str, request: Request) -> Any:
        return await dispatch(method, request)

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
