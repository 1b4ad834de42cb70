"""Flows configure the hub's logging themselves: run as a worker runs them (a fresh process
started on a flow run id), the level holds, personal data is masked, and hub events reach the
run's logs in Prefect."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.settings import PREFECT_API_URL

from hub.core.settings import PROJECT_ROOT
from tests.flows.logging_probe import PROBE_NIK

pytestmark = pytest.mark.usefixtures("prefect_api")


async def _flow_run_of_a_deployment() -> UUID:
    async with get_client() as client:
        flow_id = await client.create_flow_from_name("lapor-hub-logging-probe")
        deployment_id = await client.create_deployment(
            flow_id=flow_id, name="probe", entrypoint="tests/flows/logging_probe.py:probe_flow",
            path=str(PROJECT_ROOT))
        run = await client.create_flow_run_from_deployment(deployment_id)
        return run.id


async def _logs(run_id: UUID) -> tuple[str, str]:
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
        logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return run.state_type.value if run.state_type else "", "\n".join(x.message for x in logs)


def test_a_flow_run_in_a_worker_process_masks_honours_the_level_and_logs_to_prefect(
        tmp_path: Path) -> None:
    run_id = asyncio.run(_flow_run_of_a_deployment())
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "LAPOR_HUB_LOG_LEVEL": "INFO", "LAPOR_HUB_LOG_JSON": "true",
           "LAPOR_HUB_ENV_FILE": str(tmp_path / "none.env"),
           "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.1"}
    done = subprocess.run([sys.executable, "-m", "prefect.engine", str(run_id)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    state, logs = asyncio.run(_logs(run_id))
    assert state == "COMPLETED"
    assert "probe.info_line" in logs  # the hub's event, in the run's logs in the UI
    assert "probe.debug_line" not in logs and "probe.debug_line" not in done.stderr
    for text in (logs, done.stderr, done.stdout):
        assert PROBE_NIK not in text and "Budi Santoso" not in text
    assert '"event": "probe.info_line"' in done.stderr  # JSON, as LAPOR_HUB_LOG_JSON says


def test_every_flow_entry_point_configures_run_logging_first() -> None:
    for path in sorted((PROJECT_ROOT / "flows").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
            if not any(isinstance(d, ast.Name) and d.id == "flow" for d in decorators):
                continue
            body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                                 and isinstance(s.value, ast.Constant))]
            first = body[0]
            assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Call)
            assert ast.unparse(first.value.func) == "configure_run_logging", path.name
