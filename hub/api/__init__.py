"""The read API (``/api/v1``): tickets, SLA compliance, runs and quarantine, by role."""
