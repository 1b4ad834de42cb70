"""Running a flow from the CLI: its final Prefect state decides, its result is the summary."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


def run_flow(call: Awaitable[Any]) -> tuple[bool, Any]:
    """(whether the run ended Completed, its summary). A run that failed before it had a
    summary (a bug, a refused setting) re-raises what stopped it."""
    async def wait() -> Any:
        return await call

    state = asyncio.run(wait())
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return bool(state.is_completed()), result
