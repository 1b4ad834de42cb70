"""The layering is checked by import-linter; these tests prove the check bites."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "connectors", "simulators", "flows")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_real_tree_keeps_every_contract(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("hub/core/models.py", "import hub.sync.pipeline", "nothing imports upward"),
    ("hub/ledger/tables.py", "import hub.view.records", "nothing imports upward"),
    ("connectors/lapor.py", "import hub.core.settings", "connectors are thin clients"),
    ("connectors/lapor.py", "import connectors.sikesal", "one connector per system"),
    ("simulators/lapor.py", "import hub.core.models", "simulators stand alone"),
    ("hub/sync/push.py", "import simulators.lapor", "the hub never knows a simulator"),
    ("hub/sources/laksa.py", "import hub.sources.sikesal", "channel sources are independent"),
    ("hub/reconcile/policy.py", "import hub.reconcile.round", "no import cycles"),
])
def test_a_bad_import_breaks_its_contract(tree: Path, module: str, line: str,
                                          contract: str) -> None:
    _add_import(tree / module, line)
    result = _lint(tree)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
