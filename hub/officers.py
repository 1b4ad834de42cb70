"""Responsible officers from Simpeg/SIASN (filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.pipeline import Hub
    from hub.reconcile import ReconcileSummary


async def assign_officers(hub: Hub, summary: ReconcileSummary) -> set[int]:
    return set()
