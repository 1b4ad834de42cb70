"""The console in a real browser: Playwright driving Debian's Chromium against a served console.

Each role signs in, filters, opens a ticket; an agency tries another's ticket by URL; the
integrator replays a quarantined record, which then reaches LAPOR! once. No name, NIK or phone of
an anonymous or rahasia reporter appears in any DOM or network response a role may not read, and
axe-core finds no serious or critical violation. Screenshots: var/console-test/*.png.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import ConsoleMessage, Page, Response, async_playwright
from sqlmodel import Session, select

from hub.console.app import create_console_app
from hub.core.settings import PROJECT_ROOT
from hub.ledger.tables import TicketRow
from hub.sync.pipeline import Hub, sync
from hub.sync.quarantine import list_entries
from simulators.runner import running
from tests.e2e.test_quarantine_replay import _fixed_mappings
from tests.hub.viewdata import seed
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
SHOTS = PROJECT_ROOT / "var" / "console-test"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium missing: scripts/ensure-chromium.sh installs it (make unit does)"
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def reporters(hub: Hub) -> tuple[list[tuple[str, bool, set[str]]], set[str]]:
    """Per ticket (instansi, anonymous, name/NIK/phone) of anonymous and rahasia reporters, from
    the raw records and payloads; and every full NIK the ledger holds."""
    secret, niks = [], set()
    with Session(hub.engine) as session:
        for row in session.exec(select(TicketRow)):
            raw = json.loads(row.raw or "{}")
            payload = json.loads(row.payload or "null") or {}
            reporter = raw.get("pelapor") if isinstance(raw, dict) else None
            person = _strings(reporter) + _strings(payload.get("pelapor"))
            niks |= {s for s in person if s.isdigit() and len(s) == 16}
            flags = [payload.get("anonim"), payload.get("rahasia")]
            if isinstance(raw, dict):
                flags += [raw.get("anonim"), raw.get("rahasia")]
            if any(flags):
                anonymous = bool(payload.get("anonim") or (isinstance(raw, dict)
                                                            and raw.get("anonim")))
                secret.append((str(payload.get("instansi")), anonymous,
                               {s for s in person if len(s) >= 6 and "@" not in s}))
    return secret, niks


def forbidden_for(role: str, secret: list[tuple[str, bool, set[str]]]) -> set[str]:
    """What this role may never read: anonymous reporters always; rahasia ones unless the
    ticket is the role's own agency's (which needs them to act)."""
    own = role.removeprefix("agency:") if role.startswith("agency:") else None
    return {s for instansi, anonymous, strings in secret if anonymous or instansi != own
            for s in strings}


class Recorder:
    """Every same-origin response body a page received, and every DOM it showed."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.texts: list[str] = []
        self.console: list[str] = []

    async def on_response(self, response: Response) -> None:
        if response.url.startswith(self.root) and "/static/" not in response.url:
            with contextlib.suppress(Exception):  # a redirect has no body to read
                self.texts.append(await response.text())

    def on_console(self, message: ConsoleMessage) -> None:
        # A ticket page answering 404 is expected (others' tickets); anything else is a fault.
        url = str(message.location.get("url", ""))
        if message.type == "error" and not (" 404 " in message.text and "/tickets/" in url):
            self.console.append(f"{message.text} {url}")

    async def dom(self, page: Page) -> str:
        html = await page.content()
        self.texts.append(html)
        return html


async def axe_check(page: Page, name: str) -> None:
    # Evaluated through DevTools, which the page's CSP does not govern: the page stays strict.
    result = await page.evaluate(
        AXE.read_text() + "\n;axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], (name, serious)


async def shot(page: Page, name: str, full_page: bool = True) -> None:
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


async def sign_in(page: Page, root: str, key: str) -> None:
    await page.goto(f"{root}/login")
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{root}/")


async def test_console_in_chromium(sandbox: Sandbox, sqlite_url: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    sandbox.seed("sikesal", 60, 31, 0.3)
    hub = sandbox.hub(sqlite_url, mappings_dir=PROJECT_ROOT / "mappings")
    data = seed(hub.engine)
    await sync(hub)
    stuck = list_entries(hub, "sikesal", "unknown_category")
    assert stuck
    fixed = sandbox.hub(sqlite_url, mappings_dir=_fixed_mappings(tmp_path))
    secret, niks = reporters(hub)
    assert secret and niks
    roles = {"oversight": "oversight", "integrator": "integrator",
             "jambi_dlh": "agency:DLH-KOTA-JAMBI"}
    other_agency = data.ids["plain"]  # DPUPR's: DLH Jambi must not see it

    with running({"console": create_console_app(fixed)}) as served:
        root = served["console"].root
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium(),
                                              args=["--no-sandbox", "--disable-gpu"])
            recorders = {}
            for name in roles:
                recorders[name] = seen = Recorder(root)
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                page = await context.new_page()
                page.on("response", seen.on_response)
                page.on("console", seen.on_console)
                await sign_in(page, root, data.keys[name])
                assert await page.inner_text("[data-role]") in (name, "agency:DLH-KOTA-JAMBI")
                await seen.dom(page)
                await shot(page, f"overview-{name}")
                if name == "oversight":  # the README's picture: the first screen, as opened
                    await page.screenshot(path=str(SHOTS / "readme-overview.png"))
                await axe_check(page, f"overview-{name}")

                await page.goto(f"{root}/tickets")
                await page.select_option("#f-channel", "sikesal")
                await page.click("form.filters button[type=submit]")
                await page.wait_for_url("**/tickets?*channel=sikesal*")
                channels = await page.locator("td[data-label='Kanal']").all_inner_texts()
                assert channels and set(channels) == {"sikesal"}
                await seen.dom(page)
                await shot(page, f"tickets-{name}")
                await axe_check(page, f"tickets-{name}")

                await page.locator("tr[data-ticket] a").first.click()
                await page.wait_for_selector("[data-field=tracking]")
                await seen.dom(page)
                await shot(page, f"ticket-{name}")
                await axe_check(page, f"ticket-{name}")
                for ticket_id in list(data.ids.values())[:4]:
                    await page.goto(f"{root}/tickets/{ticket_id}")
                    await seen.dom(page)

                if name == "jambi_dlh":
                    answer = await page.goto(f"{root}/tickets/{other_agency}")
                    missing = await page.goto(f"{root}/tickets/987654")
                    assert answer and missing and answer.status == missing.status == 404
                    assert "Tiket tidak ditemukan" in await seen.dom(page)
                    await shot(page, "ticket-not-found")
                if name == "oversight":
                    await page.goto(f"{root}/?refresh=2")
                    # The script swaps in a fresh fragment and counts it; no full reload.
                    await page.wait_for_selector("#live[data-refreshed]", state="attached")
                    await page.set_viewport_size({"width": 390, "height": 844})
                    await page.goto(f"{root}/tickets")
                    await shot(page, "tickets-phone", full_page=False)
                    await axe_check(page, "tickets-phone")
                if name == "integrator":
                    await page.goto(f"{root}/ops")
                    await seen.dom(page)
                    await shot(page, "ops")
                    await axe_check(page, "ops")
                    await page.click(f"tr[data-entry='{stuck[0].id}'] a")
                    await page.wait_for_selector("pre[data-raw]")
                    raw = await seen.dom(page)
                    await shot(page, "quarantine-entry")
                    await axe_check(page, "quarantine-entry")
                    assert stuck[0].source_id and stuck[0].source_id in raw
                    await page.click(f"button[data-replay='{stuck[0].id}']")
                    await page.wait_for_selector(f"tr[data-outcome='{stuck[0].id}']")
                    assert "diputar ulang" in await seen.dom(page)
                    await shot(page, "replayed")
                await context.close()
            await browser.close()

    await sync(fixed)
    await sync(fixed)
    sent = Counter(str(r["ref_eksternal"]) for r in sandbox.lapor_reports())
    assert sent[stuck[0].source_id or ""] == 1
    assert max(sent.values()) == 1  # nothing else sent twice either
    for name, seen in recorders.items():
        assert seen.console == [], seen.console  # no script error, no CSP refusal
        everything = "\n".join(seen.texts)
        assert len(seen.texts) > 10
        leaked = {s for s in forbidden_for(roles[name], secret) if s in everything}
        assert leaked == set(), f"an anonymous or rahasia reporter reached {name}'s browser"
        assert {n for n in niks if n in everything} == set(), "a full NIK reached the browser"
    # The owning agency does read its own rahasia reporter: the check above can fail.
    assert "Siti Rahmawati" in "\n".join(recorders["jambi_dlh"].texts)
