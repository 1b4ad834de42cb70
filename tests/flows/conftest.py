"""One Prefect test harness (a temporary local API) for the whole session, as Prefect advises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.service.prefect_env import configure_prefect_env


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    configure_prefect_env()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
