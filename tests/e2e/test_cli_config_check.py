"""``lapor-hub config check``: sources of every setting without secret values, then each system
tried; one line per problem naming what to set, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.crash_harness import hub_env
from tests.sandbox import Sandbox


def _check(sandbox: Sandbox, db: str, tmp_path: Path, env_file: str,
           **extra: str) -> subprocess.CompletedProcess[str]:
    env = hub_env({n: e.base_url for n, e in sandbox.endpoints.items()}, db, **extra)
    if pin := sandbox.dukcapil_pin():  # the sandbox's Dukcapil is self-signed like the real one
        env.setdefault("LAPOR_HUB_DUKCAPIL__PINNED_SHA256", pin)
    env.pop("PREFECT_API_URL", None)
    (tmp_path / "hub.env").write_text(env_file)
    env["LAPOR_HUB_ENV_FILE"] = str(tmp_path / "hub.env")
    return subprocess.run([sys.executable, "-m", "hub.cli", "config", "check"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)


def test_a_sound_configuration_passes_and_shows_sources_never_secrets(
        sandbox: Sandbox, sqlite_url: str, tmp_path: Path) -> None:
    done = _check(sandbox, sqlite_url, tmp_path, "LAPOR_HUB_OFFICER_CHECK_S=120\n")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    lines = {line.split("│")[1].strip(): line for line in done.stdout.splitlines()
             if line.count("│") >= 3}
    assert "env file" in lines["LAPOR_HUB_OFFICER_CHECK_S"] and "120" in lines[
        "LAPOR_HUB_OFFICER_CHECK_S"]
    assert "environment" in lines["LAPOR_HUB_PAGE_SIZE"]
    assert "environment" in lines["LAPOR_HUB_LAPOR__TOKEN"] and "set" in lines[
        "LAPOR_HUB_LAPOR__TOKEN"]
    assert "default" in lines["LAPOR_HUB_OVERLAP_S"]
    from simulators import lapor

    assert lapor.DEFAULT_TOKEN not in done.stdout
    assert "configuration ok" in done.stdout


def test_each_problem_is_one_line_naming_the_setting(sandbox: Sandbox, sqlite_url: str,
                                                     tmp_path: Path) -> None:
    done = _check(sandbox, sqlite_url, tmp_path, "", LAPOR_HUB_SIKESAL__TOKEN="wrong",
                  LAPOR_HUB_SAMBAT__BASE_URL="http://127.0.0.1:9")
    assert done.returncode == 2
    problems = [line for line in done.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 2, done.stdout[-3000:]
    assert any("LAPOR_HUB_SIKESAL__TOKEN" in p for p in problems)
    assert any("LAPOR_HUB_SAMBAT__BASE_URL" in p for p in problems)
