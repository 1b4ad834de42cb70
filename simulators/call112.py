"""112 call centre sandbox (Kota Samarinda command centre): it *pushes* call records.

The real system calls the hub's webhook once per call record. Here ``POST /_sim/deliver
{"target", "token"}`` sends every undelivered call to ``target`` (the hub's intake), applying the
fault settings on the way: ``duplicate_rate`` delivers a call twice, ``malformed_rate`` sends a
corrupted body. ``GET /_sim/state`` lists every call and what the hub answered.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from simulators.admin import SeedRequest, admin_router
from simulators.clock import LogicalClock, iso
from simulators.faults import FaultInjector, malform
from simulators.population import residents, unknown_nik

KODE_SAMARINDA = "6472"
_CLASSES = [("pengaduan", 0.45), ("darurat", 0.2), ("informasi", 0.15), ("prank", 0.12),
            ("ghost", 0.08)]
_COMPLAINTS = {
    "jalan_rusak": ("Jalan rusak", "Penelepon melaporkan jalan berlubang di {tempat}."),
    "lampu_jalan": ("Lampu jalan mati", "Lampu PJU di {tempat} mati sejak beberapa malam."),
    "sampah": ("Sampah menumpuk", "Sampah menumpuk dan belum diangkut di {tempat}."),
    "banjir": ("Genangan air", "Air menggenang setelah hujan di {tempat}."),
    "drainase": ("Drainase tersumbat", "Saluran air tersumbat di {tempat}."),
}
_EMERGENCIES = {
    "kebakaran": "Laporan kebakaran rumah di {tempat}.",
    "kecelakaan": "Kecelakaan lalu lintas di {tempat}.",
    "medis": "Warga membutuhkan ambulans di {tempat}.",
}
_PLACES = ["Jl. Juanda", "Jl. P. Antasari", "Jl. Slamet Riyadi", "Jl. Cendana", "Jl. Pahlawan",
           "Jl. M. Yamin", "Jl. Ahmad Yani", "Jl. Gatot Subroto"]


class DeliverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str
    token: str
    timeout_s: float = 10.0


def make_calls(n: int, seed: int, bad_rate: float, clock: LogicalClock) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = residents(KODE_SAMARINDA, seed)
    calls = []
    for i in range(1, n + 1):
        kelas = rng.choices([c for c, _ in _CLASSES], [w for _, w in _CLASSES])[0]
        person = rng.choice(people)
        tempat = rng.choice(_PLACES)
        if kelas == "darurat":
            kategori = rng.choice(list(_EMERGENCIES))
            judul, uraian = kategori.capitalize(), _EMERGENCIES[kategori].format(tempat=tempat)
        elif kelas == "pengaduan":
            kategori = rng.choice(list(_COMPLAINTS))
            judul, uraian = (t.format(tempat=tempat) for t in _COMPLAINTS[kategori])
        else:
            kategori, judul, uraian = "lainnya", kelas.capitalize(), ""
        # The caller's number is always there; a name rarely, a NIK more rarely still.
        nik = person.nik if rng.random() < 0.15 else None
        call: dict[str, Any] = {
            "id_panggilan": f"112-SMD-{i:06d}", "versi": 1, "kelas": kelas,
            "kategori": kategori, "judul": judul, "uraian": uraian,
            "lokasi": f"{tempat}, Kota Samarinda",
            "lat": round(rng.uniform(-0.55, -0.45), 6), "lng": round(rng.uniform(117.1, 117.2), 6),
            "waktu": iso(clock.now()), "operator": f"OP-{rng.randint(1, 12):02d}",
            "penelepon": {"telepon": person.telepon,
                          "nama": person.nama if nik or rng.random() < 0.3 else None,
                          "nik": nik},
        }
        if rng.random() < bad_rate:
            spoil = rng.choice(["kelas", "nik", "uraian"])
            if spoil == "kelas":
                call["kelas"] = "salah_sambung"  # a class the mapping does not know
            elif spoil == "nik":
                call["penelepon"]["nik"] = unknown_nik(KODE_SAMARINDA, rng)[:-1] + "x"
            else:
                call["kelas"], call["uraian"] = "pengaduan", ""
        calls.append(call)
    return calls


class CallCentre:
    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock, self.faults = clock, faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._calls: list[dict[str, Any]] = []
            self._answers: dict[str, int] = {}

    def seed(self, request: SeedRequest) -> int:
        calls = make_calls(request.n, request.seed, request.bad_rate, self.clock)
        with self._lock:
            self._calls, self._answers = calls, {}
        return len(calls)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": list(self._calls), "count": len(self._calls),
                    "answers": dict(self._answers)}

    async def deliver(self, request: DeliverRequest) -> dict[str, int]:
        counts = {"sent": 0, "accepted": 0, "duplicate": 0, "rejected": 0, "failed": 0}
        with self._lock:
            pending = [c for c in self._calls if self._answers.get(c["id_panggilan"]) not in
                       (200, 202)]
        headers = {"Authorization": f"Bearer {request.token}"}
        async with httpx.AsyncClient(timeout=request.timeout_s, headers=headers) as client:
            for call in pending:
                times = 2 if self.faults.chance(self.faults.config.duplicate_rate) else 1
                body = call
                if self.faults.chance(self.faults.config.malformed_rate):
                    body = malform(dict(call), random.Random(call["id_panggilan"]))
                for _ in range(times):
                    counts["sent"] += 1
                    try:
                        response = await client.post(request.target, json=body)
                    except httpx.HTTPError:
                        counts["failed"] += 1
                        continue
                    status = response.status_code
                    counts["accepted" if status == 202 else "duplicate" if status == 200
                           else "rejected"] += 1
                    with self._lock:
                        self._answers[call["id_panggilan"]] = status
        return counts


def create_app(clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    centre = CallCentre(clock or LogicalClock(), faults)
    app = FastAPI(title="112 call centre (sandbox)")
    app.state.backend = centre
    app.include_router(admin_router(centre, faults))

    @app.post("/_sim/deliver", tags=["simulator admin"])
    async def deliver(request: DeliverRequest) -> dict[str, int]:
        return await centre.deliver(request)

    return app
