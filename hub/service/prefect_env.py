"""Defaults for Prefect's local mode on these machines, set before Prefect is imported.

Measured here: a first start of the ephemeral API on a fresh database took ~26 s, past the 20 s
default; and with no network, telemetry only produces errors. Users' own values win.
"""

from __future__ import annotations

import os
from pathlib import Path

from hub.core.settings import PROJECT_ROOT

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_HOME": str(PROJECT_ROOT / "var" / "prefect"),
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
}


def configure_prefect_env() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    # Local mode's ephemeral API server cannot start without its home (a checkout without
    # var/, e.g. with a PostgreSQL ledger): it would time out after 90 s instead.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
