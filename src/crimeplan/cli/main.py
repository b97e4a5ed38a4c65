"""Entry point of the ``crimeplan`` command."""

from __future__ import annotations

import typer

from crimeplan import __version__
from crimeplan.cli import (
    analysis,
    audit,
    cohort,
    data,
    fetch,
    forecast,
    reference,
    report,
    risk,
    serve,
    service,
    simulate,
    standard,
    transparency,
)

app = typer.Typer(
    name="crimeplan",
    help="Crime analysis, honest hotspot forecasting and governed risk tools for policing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

app.command("ingest")(data.ingest)
app.command("ingest-points")(data.ingest_points_command)
app.command("coverage")(data.coverage)
app.command("quarantine")(data.quarantine)
app.command("summary")(data.summary)
app.add_typer(standard.app, name="standard")
app.add_typer(simulate.app, name="simulate")
app.add_typer(audit.app, name="audit")
app.command("transparency")(transparency.transparency)
app.add_typer(fetch.app, name="fetch")
app.add_typer(reference.app, name="reference")
app.add_typer(forecast.app, name="forecast")
app.add_typer(risk.app, name="risk")
app.add_typer(cohort.app, name="cohort")
app.command("report")(report.report)
app.add_typer(analysis.app, name="analysis")
app.command("serve")(serve.serve)
app.add_typer(service.app, name="service")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crimeplan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """crimeplan: every command takes --home DIR (or CRIMEPLAN_HOME) for its workspace."""


if __name__ == "__main__":
    app()
