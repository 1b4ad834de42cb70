"""SIGKILL the sync at seeded random points, again and again: nothing lost, nothing doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash_harness import HarnessConfig, run_harness
from tests.sandbox import Sandbox


@pytest.mark.timeout(900)  # 20 real CLI runs and their recoveries, on a shared 2-core machine
def test_sync_killed_at_20_random_points_loses_nothing_and_doubles_nothing(
        sandbox: Sandbox, tmp_path: Path) -> None:
    cfg = HarnessConfig(database_url=f"sqlite:///{tmp_path}/ledger.db",
                        log_path=tmp_path / "hub-runs.log", kills=20, seed=11, per_channel=400,
                        kill_max_s=0.8)
    roots = {name: e.root for name, e in sandbox.endpoints.items()}
    base_urls = {name: e.base_url for name, e in sandbox.endpoints.items()}
    figures = run_harness(cfg, roots, base_urls)
    print(figures.line())
    assert figures.kills == 20
    assert figures.duplicates == 0, figures.problems
    assert figures.losses == 0, figures.problems
    assert not figures.problems, figures.problems
    assert figures.sent > 0 and figures.quarantined > 0
    assert figures.sent + figures.quarantined + figures.skipped == figures.source_records
    # A killed run leaves at most one push group (4 x push concurrency of 4) `sending`, and the
    # runs after it settled every such group although the lease (300 s) had not run out.
    assert figures.held_at_kill and max(figures.held_at_kill) <= 16
    assert len(figures.recovery_s) == sum(1 for n in figures.held_at_kill if n)
