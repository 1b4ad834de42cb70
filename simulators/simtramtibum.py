"""Simtramtibum / Sistramas (Kota Pekalongan, Satpol PP) sandbox: a daily CSV export.

``GET /export.csv?tanggal=dd/mm/yyyy`` lists the reports whose *last update* falls on that day
(WIB), one ``;``-separated line each, at their current version. A report updated later leaves the
export of its old day and appears in the export of the day it was updated, so a past day's export
only ever shrinks: a reader that re-reads the day it last read (today's keeps filling) and every
day after it cannot miss a version.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response

from simulators.admin import SeedRequest, sandbox_app
from simulators.auth import bearer_auth
from simulators.clock import WIB, LogicalClock
from simulators.faults import FaultInjector
from simulators.simtramtibum_data import make_reports

DEFAULT_TOKEN = "sandbox-simtramtibum-token"  # noqa: S105 - sandbox credential, in the contract
COLUMNS = ("no_laporan", "revisi", "tanggal", "dilaporkan", "diperbarui", "kelurahan",
           "kecamatan", "kategori", "perihal", "uraian", "lokasi", "nip_pelapor",
           "nama_pelapor", "jabatan_pelapor", "status")
_URAIAN = COLUMNS.index("uraian")
_TANGGAL = COLUMNS.index("tanggal")
_CHURN_NEXT = {"dilaporkan": "ditindaklanjuti", "ditindaklanjuti": "selesai"}
Report = dict[str, Any]


def render(report: Report) -> list[str]:
    """The export's text of one report: dates ``dd/mm/yyyy``, times ``dd/mm/yyyy HH:MM`` WIB."""
    out = dict(report)
    out["tanggal"] = f"{report['tanggal']:%d/%m/%Y}"
    for key in ("dilaporkan", "diperbarui"):
        out[key] = f"{report[key].astimezone(WIB):%d/%m/%Y %H:%M}"
    return [str(out[c]) for c in COLUMNS]


def csv_line(fields: list[str]) -> bytes:
    buffer = io.StringIO()
    # No newline inside a field (the export flattens them), so one report is one physical line.
    flat = [" ".join(f.splitlines()) for f in fields]
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(flat)
    return buffer.getvalue().encode("utf-8")


class SimtramtibumStore:
    """Reports by number; each export is computed from their current last-update day."""

    def __init__(self, clock: LogicalClock, faults: FaultInjector) -> None:
        self.clock = clock
        self.faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._reports: dict[str, Report] = {}

    def seed(self, request: SeedRequest) -> int:
        reports = make_reports(request.n, request.seed, request.bad_rate, self.clock.peek())
        with self._lock:
            self._reports = {r["no_laporan"]: r for r in reports}
            if reports:
                self.clock.observe(max(r["diperbarui"] for r in reports))
        return len(reports)

    def _ordered(self) -> list[Report]:
        return sorted(self._reports.values(), key=lambda r: (r["diperbarui"], r["no_laporan"]))

    def state(self) -> dict[str, Any]:
        with self._lock:
            records = [dict(zip(COLUMNS, render(r), strict=True)) for r in self._ordered()]
        return {"records": records, "count": len(records)}

    def export(self, day: date) -> list[list[str]]:
        with self._lock:
            return [render(r) for r in self._ordered()
                    if r["diperbarui"].astimezone(WIB).date() == day]

    def churn(self, count: int) -> None:
        """``count`` random reports get a new revision now, as staff work while a client reads."""
        with self._lock:
            for report in self.faults.sample(self._ordered(), count):
                report["status"] = _CHURN_NEXT.get(report["status"], report["status"])
                report["revisi"] += 1
                report["diperbarui"] = self.clock.now()


def broken_line(fields: list[str], faults: FaultInjector) -> bytes:
    """One line of the export broken as real exports break (``malformed_rate``)."""
    flaw = faults.choice(("kolom", "titik_koma", "tanggal", "byte"))
    if flaw == "kolom":  # cut short: fewer columns
        keep = faults.choice(range(2, len(fields) - 1))
        return (";".join(fields[:keep]) + "\r\n").encode("utf-8")
    if flaw == "titik_koma":  # a ';' in the text, not quoted: more columns
        text = fields[_URAIAN]
        cut = len(text) // 2
        fields = [*fields[:_URAIAN], text[:cut] + ";" + text[cut:], *fields[_URAIAN + 1:]]
        return (";".join(fields) + "\r\n").encode("utf-8")
    if flaw == "tanggal":  # a well-formed line with a date in another format or impossible
        day, month, year = fields[_TANGGAL].split("/")
        fields = list(fields)
        fields[_TANGGAL] = faults.choice((f"{year}-{month}-{day}", f"31/02/{year}",
                                          f"{day}/{month}/{year[2:]}"))
        return csv_line(fields)
    line = csv_line(fields)  # a byte that is not UTF-8 (a Latin-1 'é' typed in another app)
    at = line.find(fields[_URAIAN].encode("utf-8")) if fields[_URAIAN] else -1
    at = at + len(fields[_URAIAN]) // 2 if at >= 0 else len(line) - 2
    return line[:at] + b"caf\xe9 " + line[at:]


def parse_tanggal(value: str | None) -> date:
    try:
        return datetime.strptime(value or "", "%d/%m/%Y").date()
    except ValueError as exc:
        raise HTTPException(status_code=422, detail="invalid tanggal") from exc


def api_router(store: SimtramtibumStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(dependencies=[Depends(bearer_auth(token)), Depends(faults.request_faults)])

    @router.get("/export.csv")
    async def export_csv(tanggal: str | None = None) -> Response:
        day = parse_tanggal(tanggal)
        rows = store.export(day)
        cfg = faults.config
        # A duplicated line is the same report served twice in one export.
        rows += [r for r in rows if faults.chance(cfg.duplicate_rate)]
        if cfg.reorder and len(rows) > 1:
            rows = faults.sample(rows, len(rows))
        lines = [broken_line(r, faults) if faults.chance(cfg.malformed_rate) else csv_line(r)
                 for r in rows]
        if cfg.churn_per_page:
            store.churn(cfg.churn_per_page)
        body = csv_line(list(COLUMNS)) + b"".join(lines)
        filename = f"laporan_trantib_{day:%Y%m%d}.csv"
        return Response(content=body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return router


def create_app(token: str = DEFAULT_TOKEN, clock: LogicalClock | None = None) -> FastAPI:
    faults = FaultInjector()
    store = SimtramtibumStore(clock or LogicalClock(), faults)
    return sandbox_app("Simtramtibum / Sistramas (Kota Pekalongan) sandbox", store, faults,
                       api_router(store, faults, token))
