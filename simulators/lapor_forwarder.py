"""A city's own link into the LAPOR! sandbox: Kota Malang's Diskominfo forwarding Sambat reports.

Fact (external-systems.md §3.3, §4.3): Kota Malang says Sambat reports are forwarded into
LAPOR!. How is not public; this models a plausible link. It reads the Sambat simulator over HTTP
as any client would (``GET /api/sambat?since_id=``) and files reports straight into the LAPOR!
store, as an operator re-typing them would: the keyword dropped, abbreviations written out, a
title of its own, sometimes a closing line, dated a little after the citizen's report. Some
carry Sambat's id as the reference (``sumber`` + ``ref_eksternal``), the rest none. Records in
``hold`` wait (the link lags) until they are taken out of it; records in ``twice`` are filed a
second time an hour later, a little differently, both without reference (an operator typing one
report in twice).

``POST /_sim/forwarder`` configures it, ``POST /_sim/forwarder/run`` runs one pass now,
``GET /_sim/forwarder`` shows it; ``interval_s`` > 0 also runs a pass that often in the
background. ``/_sim/reset`` of LAPOR! forgets what it forwarded and turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.clock import LogicalClock

Record = dict[str, Any]
_SPELLED = {"sdh": "sudah", "blm": "belum", "gak": "tidak", "ga": "tidak", "tdk": "tidak",
            "yg": "yang", "dgn": "dengan", "krn": "karena", "bgt": "sekali", "ngelupas":
            "mengelupas", "numpuk": "menumpuk", "nutup": "menutup", "antri": "antrean",
            "got": "selokan", "pju": "PJU", "kk": "KK", "ktp": "KTP"}
_CLOSING = (" Mohon ditindaklanjuti.", " Terima kasih.", " Mohon segera ditangani.")


class ForwarderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    source_url: str = "http://127.0.0.1:8713"  # the Sambat simulator's root
    token: str = "sandbox-sambat-token"  # noqa: S105 - sandbox credential of the Sambat simulator
    sumber: str = "SAMBAT-MALANG"  # the origin code a reference names (as the hub's mapping)
    link_sumber: str = "DISKOMINFO-MALANG"  # what reports without a reference say they came from
    instansi: str = "PEMKOT-KOTA-MALANG"  # the link disposes to the city, not to an OPD
    share: float = Field(default=1.0, ge=0, le=1)  # of records forwarded at all
    ref_rate: float = Field(default=0.5, ge=0, le=1)  # of forwarded reports with the reference
    hold: list[str] = Field(default_factory=list)  # source ids not forwarded yet
    twice: list[str] = Field(default_factory=list)  # source ids filed twice
    lag_s: float = Field(default=900.0, ge=0)  # filed this long (up to twice it) after dibuat
    interval_s: float = Field(default=0.0, ge=0)  # background passes (0: only on /run)
    seed: int = 0


class Forwarder:
    def __init__(self, store: Any, clock: LogicalClock) -> None:
        self.store, self.clock = store, clock
        self.config = ForwarderConfig()
        self._task: asyncio.Task[None] | None = None
        self._pass = asyncio.Lock()
        self.forget()
        store.reset_hooks.append(self.forget)

    def forget(self) -> None:
        self.config = ForwarderConfig()
        self.since_id = 0
        self.forwarded: dict[str, list[str]] = {}  # source id → tracking ids filed
        self.waiting: dict[str, Record] = {}  # read while held
        self._stop()

    def _stop(self) -> None:
        # /_sim/reset runs in a worker thread: cancel on the task's own loop.
        if self._task is not None:
            self._task.get_loop().call_soon_threadsafe(self._task.cancel)
            self._task = None

    def configure(self, patch: dict[str, Any]) -> ForwarderConfig:
        self.config = ForwarderConfig.model_validate(self.config.model_dump() | patch)
        self._stop()
        if self.config.enabled and self.config.interval_s > 0:
            self._task = asyncio.get_running_loop().create_task(self._every())
        return self.config

    def view(self) -> dict[str, Any]:
        return {"config": self.config.model_dump(), "since_id": self.since_id,
                "forwarded": dict(self.forwarded), "waiting": sorted(self.waiting)}

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(self.config.interval_s)
            with contextlib.suppress(httpx.HTTPError):
                await self.run()

    async def run(self) -> dict[str, int]:
        """One pass: read what the channel has new, file what is due. Counts filed and waiting."""
        if not self.config.enabled:
            return {"filed": 0, "waiting": len(self.waiting)}
        async with self._pass:
            for record in await self._read_new():
                self.waiting[record["id"]] = record
            filed = 0
            for rid in sorted(self.waiting):
                if rid in self.config.hold:
                    continue
                record = self.waiting.pop(rid)
                if rid in self.forwarded or not self._chosen(rid, "share", self.config.share):
                    continue
                copies = 2 if rid in self.config.twice else 1
                self.forwarded[rid] = [self._file(record, n) for n in range(copies)]
                filed += copies
            return {"filed": filed, "waiting": len(self.waiting)}

    async def _read_new(self) -> list[Record]:
        out: list[Record] = []
        headers = {"Authorization": f"Bearer {self.config.token}"}
        async with httpx.AsyncClient(base_url=self.config.source_url, headers=headers,
                                     timeout=10) as client:
            while True:
                response = await client.get("/api/sambat",
                                            params={"since_id": self.since_id, "limit": 200})
                response.raise_for_status()
                page = response.json()
                out += [r for r in page["data"] if isinstance(r, dict) and "id" in r]
                self.since_id = int(page["last_id"])
                if not page["more"]:
                    return out

    def _chosen(self, rid: str, what: str, rate: float) -> bool:
        return random.Random(f"{self.config.seed}:{what}:{rid}").random() < rate

    def _file(self, record: Record, copy: int) -> str:
        cfg = self.config
        rng = random.Random(f"{cfg.seed}:edit:{record['id']}:{copy}")
        text = retype(str(record["isi"]), rng)
        place = record.get("lokasi") or {}
        who = record.get("pengirim") or {}
        dibuat = datetime.fromisoformat(str(record["dibuat"])) + timedelta(
            seconds=cfg.lag_s * (1 + rng.random()) + copy * 3600)
        # A report entered twice was typed in by hand both times: neither carries the reference.
        with_ref = record["id"] not in cfg.twice and self._chosen(record["id"], "ref", cfg.ref_rate)
        body = {
            "judul": title(text), "isi": text, "klasifikasi": "pengaduan",
            "kategori": "8",  # the link's operator files under Lainnya (a topic id)
            "instansi_tujuan": cfg.instansi,
            "lokasi": ", ".join(str(place[k]) for k in ("alamat", "kelurahan", "kecamatan")
                                if place.get(k)) or None,
            "lat": place.get("lat"), "lng": place.get("lng"),
            "tanggal_kejadian": record["dibuat"], "rahasia": False, "anonim": False,
            "pelapor": {"nama": who.get("nama") or "Pelapor SMS Sambat", "nik": who.get("nik"),
                        "email": None, "telepon": who.get("no_hp"), "terverifikasi": False},
            "sumber": cfg.sumber if with_ref else cfg.link_sumber,
            "ref_eksternal": record["id"] if with_ref else None,
            "lampiran": list(record.get("foto") or []),
        }
        report = self.store.file_forwarded(body, min(dibuat, self.clock.now()))
        return str(report.tracking_id)


def retype(isi: str, rng: random.Random) -> str:
    """The text as an operator re-types it: no keyword, words spelled out, capitalised."""
    text = re.sub(r"^\s*sambat\s+", "", isi, flags=re.IGNORECASE).strip()
    words = [_SPELLED.get(w.lower(), w) for w in text.split()]
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    if not text.endswith("."):
        text += "."
    if rng.random() < 0.5:
        text += rng.choice(_CLOSING)
    return text


def title(text: str) -> str:
    words = re.sub(r"[.,]", "", text).split()
    return " ".join(words[:7])[:200] or "Pengaduan Sambat"


def forwarder_router(forwarder: Forwarder) -> APIRouter:
    router = APIRouter(prefix="/_sim/forwarder", tags=["simulator admin"])

    @router.post("")
    async def configure(patch: dict[str, Any]) -> dict[str, Any]:
        try:
            forwarder.configure(patch)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
        return forwarder.view()

    @router.get("")
    async def view() -> dict[str, Any]:
        return forwarder.view()

    @router.post("/run")
    async def run() -> dict[str, int]:
        return await forwarder.run()

    return router
