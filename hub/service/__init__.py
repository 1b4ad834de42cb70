"""Running the hub as a service: Prefect deployments, upstream limits, artifacts, ``serve``."""
