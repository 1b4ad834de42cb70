"""prefect.yaml follows the mapping files, and Prefect itself accepts it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger
from prefect.events.schemas.events import Resource

from hub.core.settings import PROJECT_ROOT
from hub.intake.announce import Announcement, event_body
from hub.mapping.loader import channels
from hub.service.deployments import render
from hub.sync import limits


def _deployments() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return {d["name"]: d for d in data["deployments"]}


def test_every_mapping_file_has_its_deployment() -> None:
    deployed = _deployments()
    for channel in channels(PROJECT_ROOT / "mappings"):
        dep = deployed[f"sync-{channel}"]
        assert dep["parameters"] == {"channels": [channel]}
        assert dep["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}


def test_prefect_yaml_is_up_to_date_run_python_m_hub_deployments_if_not() -> None:
    text = (PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8")
    assert render(PROJECT_ROOT, text) == text


def test_prefect_accepts_the_file_and_its_triggers_match_what_the_intake_emits() -> None:
    raw = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    model = PrefectYamlModel.model_validate(raw)
    event = event_body(Announcement("call112", 1, 2, 2))
    [call112] = [d for d in model.deployments if d.name == "sync-call112"]
    [trigger] = [DeploymentEventTrigger(**{k: v for k, v in t.items() if k != "type"})
                 for t in call112.triggers or []]
    assert event["event"] in trigger.expect
    assert trigger.match.matches(Resource(event["resource"]))
    assert not trigger.match.matches(Resource({"prefect.resource.id": "lapor-hub.channel.sikesal"}))


def test_edited_cron_survives_and_a_reconcile_flow_gets_its_deployment(tmp_path: Path) -> None:
    for part in ("mappings", "hub/sources"):
        shutil.copytree(PROJECT_ROOT / part, tmp_path / part)
    first = render(tmp_path).replace("*/5 * * * *", "*/2 * * * *")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "reconcile.py").write_text(
        "from prefect import flow\n\n@flow(name='x')\nasync def reconcile_flow() -> None: ...\n")
    again = yaml.safe_load(render(tmp_path, first))
    crons = {d["name"]: d["schedules"][0]["cron"] for d in again["deployments"]}
    assert crons["sync-sikesal"] == "*/2 * * * *"
    assert "reconcile" in crons
    [rec] = [d for d in again["deployments"] if d["name"] == "reconcile"]
    assert rec["entrypoint"] == "flows/reconcile.py:reconcile_flow"


def test_upstream_limits_are_no_ops_without_a_prefect_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings({PREFECT_API_URL: None}):
        assert limits.lapor_throttle() is None and limits.dukcapil_gate() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert limits.lapor_throttle() is not None


def test_dukcapil_access_hours_are_read_in_wib() -> None:
    at_07_wib = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert limits.within_hours("06:00-18:00", at_07_wib)
    assert not limits.within_hours("08:00-18:00", at_07_wib)
    assert limits.within_hours("22:00-08:00", at_07_wib)
    assert limits.within_hours("00:00-24:00", at_07_wib)


def test_the_alert_automation_fires_on_a_failed_hub_run_and_never_on_its_own() -> None:
    raw = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    model = PrefectYamlModel.model_validate(raw)
    [alert] = [d for d in model.deployments if d.name == "alert-failed-runs"]
    [trigger] = [DeploymentEventTrigger(**{k: v for k, v in t.items() if k != "type"})
                 for t in alert.triggers or []]
    assert {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"} <= trigger.expect
    run = Resource({"prefect.resource.id": "prefect.flow-run.1234"})
    assert trigger.match.matches(run)
    related = trigger.match_related
    assert not isinstance(related, list)
    assert related.matches(Resource({"prefect.resource.id": "prefect.flow.1",
                                     "prefect.resource.role": "flow",
                                     "prefect.resource.name": "lapor-hub-sync"}))
    assert not related.matches(Resource({"prefect.resource.id": "prefect.flow.2",
                                         "prefect.resource.role": "flow",
                                         "prefect.resource.name": "lapor-hub-run-alert"}))
    assert raw["pull"] == [{"prefect.deployments.steps.set_working_directory": {
        "directory": "{{ $LAPOR_HUB_HOME }}"}}]
