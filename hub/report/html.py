"""``lapor-hub report``: one self-contained HTML page (inline CSS and SVG; opens offline)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from sqlalchemy import Engine

from hub.report import svg
from hub.report.figures import ReportFigures, compute
from hub.sla.compliance import Compliance

CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#0f172a;
background:#f1f5f9}header{background:#0f172a;color:#f8fafc;padding:24px 32px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#cbd5e1}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px;
padding:16px 32px}
section{background:#fff;border-radius:10px;padding:16px 20px;box-shadow:0 1px 3px #0f172a1a}
section h2{margin:0 0 10px;font-size:15px;color:#334155}.wide{grid-column:1/-1}
.kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{flex:1;min-width:140px;background:#f8fafc;
border-radius:8px;padding:12px 16px}.kpi b{display:block;font-size:30px}
.kpi span{color:#64748b}.late b{color:#dc2626}.ok b{color:#16a34a}
svg.chart{width:100%;height:auto;display:block}footer{padding:0 32px 24px;color:#64748b}
"""
# Status colours say what they mean: green is done, amber waits for someone, grey is parked.
STATUS_COLORS = {"selesai": "#16a34a", "tindak_lanjut": "#2563eb", "terverifikasi": "#0891b2",
                 "belum_terverifikasi": "#f59e0b", "ditunda": "#94a3b8",
                 "bukan_wewenang": "#7c3aed", "diarsipkan": "#475569"}
# Marks the page as rendered for the browser test; the charts themselves need no script.
SCRIPT = ("document.body.dataset.charts="
          "String(document.querySelectorAll('svg.chart').length);")


def _kpi(value: object, text: str, cls: str = "") -> str:
    return f'<div class="kpi {cls}"><b>{escape(str(value))}</b><span>{escape(text)}</span></div>'


def _section(title: str, body: str, wide: bool = False) -> str:
    return f'<section class="{"wide" if wide else ""}"><h2>{escape(title)}</h2>{body}</section>'


def _worst_first(groups: list[Compliance]) -> list[Compliance]:
    """Oversight reads from the top: lowest compliance first, groups with nothing due last."""
    return sorted(groups, key=lambda c: (c.compliance_pct is None, c.compliance_pct or 0.0))


def render(f: ReportFigures) -> str:
    pct = f.sla_total.compliance_pct
    kpis = "".join([
        _kpi(f.reports, "reports"), _kpi(f.done, "done", "ok"),
        _kpi(f.in_process, "in process"),
        _kpi("–" if pct is None else f"{pct:.0f}%", "SLA stages in time"),
        _kpi(f.sla_total.late, "open and late", "late"), _kpi(f.sla_total.at_risk, "at risk")])
    sections = [
        _section(f"{f.reports} reports, {f.done} done, {f.in_process} in process",
                 f'<div class="kpis">{kpis}</div>', wide=True),
        _section("Tickets per channel", svg.hbars(f.by_channel, "tickets per channel")),
        _section("Status breakdown (SP4N-LAPOR!)", svg.donut(f.by_status, "status breakdown",
                                                               STATUS_COLORS)),
        _section("SLA compliance per OPD (stages done in time, of those due)", svg.compliance_bars(
            [(c.group, c.compliance_pct, c.late) for c in _worst_first(f.sla_by_instansi)],
            "compliance per OPD"), wide=True),
        _section("Tickets per OPD", svg.hbars(f.by_instansi, "tickets per OPD", svg.PALETTE[4])),
        _section("Backlog: open tickets at the end of each day", svg.area(
            [(d.day.strftime("%d %b"), d.open) for d in f.backlog], "backlog over time")),
        _section("SLA compliance per channel", svg.compliance_bars(
            [(c.group, c.compliance_pct, c.late) for c in f.sla_by_channel],
            "compliance per channel"), wide=True),
    ]
    as_of = f.as_of.strftime("%d %b %Y %H:%M UTC")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>lapor-hub report {escape(f.period)}</title><style>{CSS}</style></head>"
            f"<body><header><h1>Complaints across channels — {escape(f.period)}</h1>"
            f"<p>Reports created {f.date_from:%d %b} – {f.date_to:%d %b %Y}; SLA on Indonesian "
            f"working days (national holidays and cuti bersama excluded), as of {as_of}.</p>"
            f"</header><main>{''.join(sections)}</main><footer>lapor-hub · SP4N-LAPOR! service "
            f"levels: verify 3, follow up 5 working days; Sikesal 24/48/72 h; Sambat 3–7 days."
            f"</footer><script>{SCRIPT}</script></body></html>")


def write_report(engine: Engine, period: str, out: Path, now: datetime | None = None) -> Path:
    figures = compute(engine, period, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(figures), encoding="utf-8")
    return out
