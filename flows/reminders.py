"""Prefect flow: one SLA reminder round, then the month's figures as a markdown artifact.

Thin on purpose: ``hub.reminders.run.remind_round`` does the work and is tested without Prefect.
The artifact is published only inside a flow run (Prefect needs a run to attach it to).
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from hub.reminders.run import RoundOutcome, remind_round
from hub.report.figures import compute, to_markdown
from hub.service.flow_runs import reminders_run_name
from hub.service.run_logging import configure_run_logging
from hub.service.runtime import current_hub


@task(name="sla-reminders", cache_policy=NO_CACHE)
def reminders_task() -> RoundOutcome:
    return remind_round(current_hub())


@task(name="sla-figures", cache_policy=NO_CACHE)
def figures_task(period: str) -> str:
    markdown = to_markdown(compute(current_hub().engine, period))
    create_markdown_artifact(key="sla-figures", markdown=markdown,
                             description=f"Tickets and SLA compliance for {period}")
    return markdown


@flow(name="lapor-hub-reminders", flow_run_name=reminders_run_name, log_prints=False,
      description="SLA reminders and escalations (once per ticket and stage), then the month's "
      "tickets and SLA compliance as a markdown artifact.")
def reminders_flow(period: str | None = None) -> RoundOutcome:
    """One reminder round.

    Args:
        period: Month of the figures, e.g. "2026-10"; empty for the current month.
    """
    configure_run_logging()
    outcome = reminders_task()
    figures_task(period or datetime.now(UTC).strftime("%Y-%m"))
    return outcome
