"""``make demo``: the sandbox simulators in their own process, two sync runs through Prefect's
local mode, and a check against what the LAPOR! simulator received.

A sandbox command: it starts ``python -m simulators`` as a separate process and reads the
sandbox's admin API (``/_sim/state``) over HTTP to prove the result, like any client would. The
rest of the hub only sees its configured base URLs (an import-linter contract keeps it so).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import httpx
import typer
from dotenv import load_dotenv
from rich.console import Console
from rich.table import Table

from hub.core.settings import PROJECT_ROOT
from simulators.process import root_of, simulators_process


def lapor_state(lapor_url: str) -> list[dict[str, object]]:
    response = httpx.get(f"{root_of(lapor_url)}/_sim/state", timeout=30)
    response.raise_for_status()
    reports: list[dict[str, object]] = response.json()["reports"]
    return reports


def _deliver_112_calls(console: Console, urls: dict[str, str]) -> None:
    """The 112 centre pushes its calls to the hub's intake, served here for the demo's length."""
    from hub.core.settings import get_settings
    from hub.intake.app import create_app
    from hub.sync.pipeline import Hub
    from simulators.runner import running

    settings = get_settings()
    token = settings.intake.tokens.get("call112")
    if token is None or "call112" not in urls:
        console.print("[yellow]no intake token for call112: skipping the 112 calls[/]")
        return
    with running({"intake": create_app(Hub.from_settings(settings))}) as served:
        target = f"{served['intake'].root}/events/call112"
        response = httpx.post(f"{root_of(urls['call112'])}/_sim/deliver", timeout=120,
                              json={"target": target, "token": token.get_secret_value()})
        response.raise_for_status()
    counts = response.json()
    console.print(f"112 centre pushed {counts['sent']} call records to the intake: "
                  f"{counts['accepted']} accepted, {counts['duplicate']} duplicates, "
                  f"{counts['rejected']} rejected (kept in quarantine)")


def _reconcile(console: Console, label: str) -> None:
    from hub.cli.main import reconcile

    console.rule(f"reconcile, {label}")
    try:
        reconcile(channels=None, rounds=1, prefect=False)
    except typer.Exit:
        console.print("[red]reconcile reported errors (see above)[/]")


def _two_way(console: Console, urls: dict[str, str]) -> None:
    """Statuses both ways: align, let LAPOR!'s admins act and an OPD close tickets in Sikesal,
    carry both to the other side, then show that a quiet round writes nothing (no echo loop)."""
    from hub.cli.main import status as show_status

    _reconcile(console, "round 1 (channels' own statuses to LAPOR!)")
    console.rule("LAPOR! admins verify and answer; an OPD closes tickets in Sikesal")
    # LAPOR!'s admins act on reports from the channels that take writes back (Sikesal, Sambat).
    reports = lapor_state(urls["lapor"])
    ids = [str(r["tracking_id"]) for r in reports
           if r["sumber"] in {"SIKESAL-JAMBI", "SAMBAT-MALANG"}][::2]
    httpx.post(f"{root_of(urls['lapor'])}/_sim/advance", json={"n": len(ids), "tracking_ids": ids},
               timeout=60).raise_for_status()
    sikesal = urls["sikesal"]
    closed = 0
    for record in httpx.get(f"{root_of(sikesal)}/_sim/state", timeout=60).json()["records"][:10]:
        # The OPD closes it in Sikesal's own app: the answer script, form fields, no token.
        response = httpx.post(f"{sikesal}/tanggapan", timeout=30, data={
            "id_user": "501", "id_laporan": str(record["id_laporan"]),
            "status_laporan": "selesai", "tanggapan_dinas": "Sudah ditangani OPD."})
        closed += response.status_code == 200 and response.json().get("success") == 1
    console.print(f"LAPOR! admins moved {len(ids)} Sikesal/Sambat reports along; "
                  f"an OPD closed {closed} Sikesal tickets")
    _reconcile(console, "round 2 (both directions)")
    sambat = httpx.get(f"{root_of(urls['sambat'])}/_sim/state", timeout=60).json()
    sms = sambat.get("sms_keluar", [])
    console.print(f"Sambat: {len(sms)} SMS replies went out to citizens who reported by SMS")
    _reconcile(console, "round 3 (quiet: must write nothing)")
    show_status(as_json=False)


def _demo_ledger(console: Console) -> None:
    """A fresh ledger per demo: the simulators start empty each time, and an old ledger would
    hold tickets (and cursors) of simulators that no longer exist — nothing would reach LAPOR!."""
    from dotenv import dotenv_values

    from hub.core.settings import env_file

    key = "LAPOR_HUB_DATABASE_URL"
    if os.environ.get(key) or dotenv_values(env_file()).get(key):
        console.print(f"[yellow]reusing the ledger you chose ({key}); the simulators start "
                      "empty, so run `lapor-hub cursor reset <channel>` or unset it for a fresh "
                      "demo[/]")
        return
    ledger = PROJECT_ROOT / "var" / "sandbox" / "demo-ledger.db"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    for stale in ledger.parent.glob("demo-ledger.db*"):
        stale.unlink()
    os.environ[key] = f"sqlite:///{ledger}"
    console.print(f"fresh sandbox ledger: {ledger} (made anew by every demo)")


def run_demo(console: Console, tickets: int = 200, seed: int = 42, bad_rate: float = 0.03) -> int:
    from hub.cli.main import run_sync_command

    # The demo is the sandbox: it brings the sandbox's credentials itself; values already in the
    # environment (or a user's .env, read later by the settings) are not overridden.
    load_dotenv(PROJECT_ROOT / "sandbox.env", override=False)
    console.rule("[bold]lapor-hub demo")
    _demo_ledger(console)
    console.print(f"starting sandbox simulators ({tickets} tickets per channel, seed {seed})…")
    with simulators_process(seed=seed, n=tickets, bad_rate=bad_rate) as urls:
        for name, url in urls.items():
            console.print(f"  {name:14} {url}")
            os.environ[f"LAPOR_HUB_{name.upper()}__BASE_URL"] = url
        _deliver_112_calls(console, urls)
        code = 0
        for attempt in ("first run", "second run (nothing new: must add no duplicates)"):
            console.rule(f"sync --all, {attempt}")
            code = max(code, run_sync_command(channels=None, all_channels=True, prefect=True))
        reports = lapor_state(urls["lapor"])
        origins = Counter((str(r["sumber"]), str(r["ref_eksternal"])) for r in reports)
        dupes = sum(n - 1 for n in origins.values() if n > 1)
        table = Table(title="what the SP4N-LAPOR! simulator holds")
        for column in ("sumber", "reports", "distinct tickets", "duplicates"):
            table.add_column(column)
        for sumber in sorted({s for s, _ in origins}):
            mine = {k: v for k, v in origins.items() if k[0] == sumber}
            table.add_row(sumber, str(sum(mine.values())), str(len(mine)),
                          str(sum(v - 1 for v in mine.values())))
        console.print(table)
        console.print("[green]exactly once: no duplicates[/]" if dupes == 0 else
                       f"[red]{dupes} duplicate reports in LAPOR![/]")
        _two_way(console, urls)
        console.print(f"ledger: {Path(os.environ.get('LAPOR_HUB_DATABASE_URL', 'var/ledger.db'))}"
                      " · details: `.venv/bin/lapor-hub status`")
        from hub.report.finale import demo_finale

        demo_finale(console)  # reminders, then the report; prints its path
        return code or (1 if dupes else 0)
