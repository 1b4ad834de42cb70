"""What one reconcile round did, per kind of write, for the CLI, the artifact and tests."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReconcileSummary(BaseModel):
    run_id: str
    lapor_changes: int = 0
    tickets: int = 0
    new_states: int = 0
    to_lapor: int = 0
    to_channel: int = 0
    echoes: int = 0
    conflicts: int = 0
    issues: int = 0
    write_failures: int = 0
    officers_assigned: int = 0
    officers_transferred: int = 0
    errors: dict[str, str] = Field(default_factory=dict)
    # What the configured LAPOR! adapter cannot do, so this round did not (not an error).
    unavailable: list[str] = Field(default_factory=list)
