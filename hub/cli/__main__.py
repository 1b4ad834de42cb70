"""``python -m hub.cli``: the same as the ``lapor-hub`` command."""

from hub.cli import app

app()
