"""What ``lapor-hub serve --simulate`` adds: sandbox credentials, a fresh ledger, 112 deliveries."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import httpx
from dotenv import dotenv_values

SANDBOX_112_TOKEN = "sandbox-112-token"  # noqa: S105  (the sandbox's, like sandbox.env)
CALL112_SIM = "http://127.0.0.1:8715"


def sandbox_env(root: Path) -> dict[str, str]:
    """``sandbox.env`` plus an intake token for the 112 simulator and, unless the user chose a
    ledger, a fresh one: the simulators start empty, so an old ledger would claim every ticket
    was already sent to a LAPOR! that has never seen it."""
    env = {k: v for k, v in dotenv_values(root / "sandbox.env").items() if v is not None}
    if not any(k.startswith("LAPOR_HUB_INTAKE__TOKENS") for k in env):
        env["LAPOR_HUB_INTAKE__TOKENS__CALL112"] = SANDBOX_112_TOKEN
    if "LAPOR_HUB_DATABASE_URL" not in os.environ:
        ledger = root / "var" / "sandbox" / "ledger.db"
        ledger.parent.mkdir(parents=True, exist_ok=True)
        for stale in ledger.parent.glob("ledger.db*"):
            stale.unlink()
        env["LAPOR_HUB_DATABASE_URL"] = f"sqlite:///{ledger}"
    return env


def intake_token(env: Mapping[str, str], channel: str) -> str | None:
    if token := env.get(f"LAPOR_HUB_INTAKE__TOKENS__{channel.upper()}"):
        return token
    tokens = json.loads(env.get("LAPOR_HUB_INTAKE__TOKENS") or "{}")
    return str(tokens[channel]) if channel in tokens else None


def deliver_112(intake_url: str, env: Mapping[str, str]) -> None:
    """Ask the 112 simulator to push its calls to the intake, as the real one would."""
    token = intake_token(env, "call112") or SANDBOX_112_TOKEN
    body = {"target": f"{intake_url}/events/call112", "token": token}
    httpx.post(f"{CALL112_SIM}/_sim/deliver", json=body, timeout=120).raise_for_status()
