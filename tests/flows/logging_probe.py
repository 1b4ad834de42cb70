"""A flow run by the worker-path test: logs as hub code does, after the flows' own setup."""

from __future__ import annotations

import structlog
from prefect import flow

from hub.service.run_logging import configure_run_logging

PROBE_NIK = "3271012301900004"


@flow(name="lapor-hub-logging-probe")
def probe_flow() -> None:
    configure_run_logging()
    log = structlog.get_logger("hub.probe")
    log.debug("probe.debug_line", ticket="T-1")
    log.info("probe.info_line", nik=PROBE_NIK, nama_pelapor="Budi Santoso",
             note=f"pelapor NIK {PROBE_NIK}")
