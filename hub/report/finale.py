"""The last step of ``make demo``: one reminder round, then this month's report, path printed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from hub.core.settings import PROJECT_ROOT, get_settings
from hub.reminders.run import remind_round
from hub.report.html import write_report
from hub.sync.pipeline import Hub


def demo_finale(console: Console, out_dir: Path = PROJECT_ROOT / "var") -> Path:
    hub = Hub.from_settings(get_settings())
    console.rule("SLA reminders and the month's report")
    console.print(f"reminders: {remind_round(hub).describe()}")
    period = datetime.now(UTC).strftime("%Y-%m")
    path = write_report(hub.engine, period, out_dir / f"report-{period}.html").resolve()
    console.print(f"report written: {path}", highlight=False, soft_wrap=True)
    return path
