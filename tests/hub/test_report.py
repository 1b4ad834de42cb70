"""The monthly report: figures by hand, and the HTML page rendered in a real headless Chromium."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.core.models import LaporStatus
from hub.ledger.db import init_db, make_engine
from hub.ledger.ingest import Mapped, ingest_page
from hub.report.figures import compute, to_markdown
from hub.report.html import write_report
from tests.hub.viewdata import NOW, WIB, make, seed

SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "report-screenshot.png"
AGENCIES = {"sikesal": ["DPUPR-KOTA-JAMBI", "DLH-KOTA-JAMBI", "DISHUB-KOTA-JAMBI",
                        "BPBD-KOTA-JAMBI"],
            "sambat": ["DPUPRPKP-KOTA-MALANG", "DLH-KOTA-MALANG", "DISHUB-KOTA-MALANG"]}


def test_figures_count_by_hand(engine: Engine) -> None:
    seed(engine)
    f = compute(engine, "2026-10", now=NOW)
    assert (f.reports, f.done, f.in_process) == (4, 0, 4)
    assert f.by_channel == {"sikesal": 2, "sambat": 2}
    assert f.by_status == {"belum_terverifikasi": 3, "tindak_lanjut": 1}
    backlog = {d.day.day: d.open for d in f.backlog}
    assert (backlog[4], backlog[5], backlog[8], backlog[20]) == (0, 1, 4, 4) and max(backlog) == 20
    md = to_markdown(f)
    assert "**4 reports, 0 done, 4 in process.**" in md and "| DLH-KOTA-MALANG | 2 |" in md


def busy_month(engine: Engine, n: int = 160) -> None:
    """A month that looks like a real one: most answered, some late, a few closed."""
    rng = random.Random(7)
    for channel, agencies in AGENCIES.items():
        mapped = []
        for i in range(n // 2):
            made = datetime(2026, 10, 1, 8, tzinfo=WIB) + timedelta(hours=rng.randrange(0, 440))
            status = rng.choices(list(LaporStatus)[:4], weights=[2, 2, 3, 6])[0]
            answered = made + timedelta(hours=rng.choice([5, 20, 40, 70, 120, 200]))
            mapped.append(Mapped(make(1000 + i, channel, rng.choice(agencies), made,
                                      status=status, sla_class=rng.choice(["darurat", "penting",
                                                                           "biasa"]),
                                      diperbarui=min(answered, NOW)), {}))
        ingest_page(engine, channel, mapped, [], resume_token=None, run_id="r")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Chromium missing: scripts/ensure-chromium.sh installs it (make unit does)")
    return found


def run_browser(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--hide-scrollbars", "--window-size=1280,1500", *args]
    return subprocess.run([binary, *flags], capture_output=True, text=True, timeout=120,
                          check=False)


def test_report_renders_offline_in_headless_chromium(tmp_path: Path) -> None:
    binary = chromium()
    engine = make_engine(f"sqlite:///{tmp_path}/ledger.db")
    init_db(engine)
    seed(engine)
    busy_month(engine)
    page = write_report(engine, "2026-10", tmp_path / "report.html", now=NOW)
    html = page.read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<link" not in html  # nothing to fetch: opens offline

    dom = run_browser(binary, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-charts="6"' in dom.stdout  # the script ran and saw every chart
    assert len(re.findall(r'class="bar"', dom.stdout)) > 10
    console = [line for line in dom.stderr.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    assert console == []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = run_browser(binary, tmp_path / "profile-shot", f"--screenshot={SCREENSHOT}",
                       page.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 20_000
    engine.dispose()
