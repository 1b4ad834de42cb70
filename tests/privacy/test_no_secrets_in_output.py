"""Configured credentials never appear in logs, errors, ``status`` output or the ledger."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from hub.ledger.db import make_engine
from tests.privacy.conftest import SECRETS, WRONG, DemoRun


def test_no_configured_secret_in_any_output(demo_run: DemoRun) -> None:
    secrets = [*SECRETS.values(), *WRONG.values()]
    failing = demo_run.outputs["sync, wrong credentials"]
    assert "401" in failing or "auth" in failing.lower()  # the error path really ran
    assert "exit 0" not in demo_run.outputs["sync, database unreachable"]
    leaks = {label: [s for s in secrets if s in out] for label, out in demo_run.outputs.items()}
    assert not any(leaks.values()), {k: v for k, v in leaks.items() if v}


def test_no_configured_secret_in_the_ledger(demo_run: DemoRun) -> None:
    engine = make_engine(demo_run.database_url)
    dumped: list[str] = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                dumped.append(" ".join(str(v) for v in row))
    engine.dispose()
    everything = "\n".join(dumped)
    assert "sent" in everything
    for secret in [*SECRETS.values(), *WRONG.values()]:
        assert secret not in everything
