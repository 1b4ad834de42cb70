"""Configuration and usage errors as a user meets them: one line saying what to set, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.crash_harness import hub_env
from hub.core.settings import PROJECT_ROOT
from tests.sandbox import Sandbox


def _cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_HUB_", "PREFECT_"))}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env={**base, **env},
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("args", "env", "says"), [
    (["reconcile", "foo", "--no-prefect"], {}, "unknown channel(s): foo"),
    (["status"], {"LAPOR_HUB_PAGE_SIZE": "abc"}, "LAPOR_HUB_PAGE_SIZE"),
    (["status"], {"LAPOR_HUB_LOG_LEVEL": "LOUD"}, "LAPOR_HUB_LOG_LEVEL"),
    (["status"], {"LAPOR_HUB_DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:9/x"},
     "LAPOR_HUB_DATABASE_URL"),
    (["status"], {"LAPOR_HUB_SECRET_BLOCKS": '{"lapor.token": "lapor-token"}',
                  "PREFECT_API_URL": "http://127.0.0.1:9/api"}, "PREFECT_API_URL"),
])
def test_a_configuration_error_is_one_line_and_exit_2(
        tmp_path: Path, args: list[str], env: dict[str, str], says: str) -> None:
    db = {"LAPOR_HUB_DATABASE_URL": f"sqlite:///{tmp_path}/l.db"}
    done = _cli(args, tmp_path, **{**db, **env})
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr and ":pw@" not in done.stderr


def test_the_env_file_comes_from_lapor_hub_env_file_not_the_working_directory(
        tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LAPOR_HUB_PAGE_SIZE=abc\n")  # in the cwd: must be ignored
    named = tmp_path / "hub.env"
    named.write_text("LAPOR_HUB_LOG_LEVEL=LOUD\n")
    db = f"sqlite:///{tmp_path}/l.db"
    assert _cli(["status"], tmp_path, LAPOR_HUB_DATABASE_URL=db,
                LAPOR_HUB_ENV_FILE=str(tmp_path / "none.env")).returncode == 0
    done = _cli(["status"], tmp_path, LAPOR_HUB_DATABASE_URL=db, LAPOR_HUB_ENV_FILE=str(named))
    assert done.returncode == 2 and "LAPOR_HUB_LOG_LEVEL" in done.stderr


def test_a_refused_token_names_the_setting_that_holds_it(sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 3, 74)
    urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    env = hub_env(urls, sqlite_url, LAPOR_HUB_SIKESAL__TOKEN="wrong")
    done = subprocess.run([sys.executable, "-m", "hub.cli", "sync", "sikesal", "--no-prefect"],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert "LAPOR_HUB_SIKESAL__TOKEN is set but refused" in done.stderr, done.stderr
