"""The ``lapor-hub`` command line, one module per command group."""

from hub.cli.main import app
from hub.cli.sandbox import register_sandbox_commands

register_sandbox_commands(app)

__all__ = ["app"]
