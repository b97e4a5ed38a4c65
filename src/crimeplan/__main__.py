"""``python -m crimeplan`` runs the command line."""

from crimeplan.cli.main import app

app()
