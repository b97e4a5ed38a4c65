"""Entry point of the ``crimeplan`` command.

The top-level command knows each subcommand's name and one-line help without importing it, and
imports a subcommand's module only when that subcommand runs (or shows its own help), so
``crimeplan --help`` is instant and ``crimeplan ingest`` never pays for the forecasting or risk
libraries. The subcommands themselves are ordinary Typer commands and groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from crimeplan import __version__
from crimeplan.cli.common import GLOBAL_HOME, WorkspaceErrors


@dataclass(frozen=True)
class Subcommand:
    """Where a top-level subcommand lives: ``module.attribute`` is a command function or a
    ``typer.Typer`` group; ``help`` is what ``crimeplan --help`` lists (a test keeps it equal
    to the first paragraph of the command's own help)."""

    name: str
    module: str
    attribute: str
    help: str


#: Every top-level subcommand, in the order ``crimeplan --help`` lists them.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("ingest", "crimeplan.cli.data", "ingest",
               "Ingest data.police.uk street, outcomes and stop-and-search files."),
    Subcommand("ingest-points", "crimeplan.cli.data", "ingest_points_command",
               "Ingest timestamped point events from any CSV (a force's export, other open "
               "data), recorded in the audit log before the warehouse commits."),
    Subcommand("coverage", "crimeplan.cli.data", "coverage",
               "Force × month × dataset row counts, with months missing inside each force's "
               "span."),
    Subcommand("quarantine", "crimeplan.cli.data", "quarantine",
               "List quarantined rows with file, line, reason, field and value."),
    Subcommand("summary", "crimeplan.cli.data", "summary",
               "What the warehouse holds: rows per dataset, files, quarantine, enrichment."),
    Subcommand("transparency", "crimeplan.cli.transparency", "transparency",
               "Write an ATRS 3.0 transparency record (JSON, schema-checked, and HTML) for a "
               "run."),
    Subcommand("report", "crimeplan.cli.report", "report",
               "Write DIR/report.html (self-contained, opens offline) and DIR/indicators.csv "
               "for a force, an area, or every force loaded; the run is recorded in the audit "
               "log."),
    Subcommand("standard", "crimeplan.cli.standard", "app",
               "The common data standard: record types, code lists, JSON Schema."),
    Subcommand("simulate", "crimeplan.cli.simulate", "app",
               "Simulations: feedback between patrols, forecasts and the crime record."),
    Subcommand("audit", "crimeplan.cli.audit", "app",
               "The audit log of runs, its integrity check, and fairness audits."),
    Subcommand("fetch", "crimeplan.cli.fetch", "app",
               "Download data.police.uk data (archive zips or the API), cached and "
               "rate-limited, as CSV files `crimeplan ingest` reads."),
    Subcommand("reference", "crimeplan.cli.reference", "app",
               "Reference data: LSOA (2011) and police force area boundaries, IMD 2019 "
               "deprivation and mid-2015 populations."),
    Subcommand("forecast", "crimeplan.cli.forecast", "app",
               "Hotspot forecasting: rolling backtests and deployment maps."),
    Subcommand("risk", "crimeplan.cli.risk", "app",
               "Individual risk triage: fit, predict and evaluate calibrated models."),
    Subcommand("cohort", "crimeplan.cli.cohort", "app",
               "Offender cohorts: harm-weighted scores, concentration, stability."),
    Subcommand("analysis", "crimeplan.cli.analysis", "app",
               "Crime analysis indicators: trends, rates, rises, outcomes, stop and search, "
               "concentration, deprivation, cost of crime, peer groups and the official "
               "recorded crime series."),
    Subcommand("serve", "crimeplan.cli.serve", "serve",
               "Run the web service (pages and the API under /api/v1) on 127.0.0.1:8000."),
    Subcommand("service", "crimeplan.cli.service", "app",
               "Administer the web service: migrate its database, add agencies, users and API "
               "clients, seed the demo."),
)


def load(sub: Subcommand) -> TyperCommand | TyperGroup:
    """Import a subcommand's module and build its Click command exactly as an eager
    ``app.command(name)`` or ``app.add_typer(group, name=name)`` would."""
    target = getattr(import_module(sub.module), sub.attribute)
    shell = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        shell.add_typer(target, name=sub.name)
    else:
        shell.command(sub.name)(target)
    return typer.main.get_group(shell).commands[sub.name]


class LazySubcommand(TyperCommand):
    """A listed subcommand: name and help only, until Click makes a context to run it (or to
    show its help), when the real command is imported and takes over."""

    def __init__(self, sub: Subcommand) -> None:
        super().__init__(sub.name, help=sub.help, add_help_option=False)
        self.sub = sub

    @cached_property
    def command(self) -> TyperCommand | TyperGroup:
        """The real command, imported on first use."""
        return load(self.sub)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        return self.command.make_context(info_name, args, parent=parent, **extra)


class LazyGroup(WorkspaceErrors):
    """The top-level group: every subcommand starts as a `LazySubcommand`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for sub in SUBCOMMANDS:
            self.add_command(LazySubcommand(sub))


app = typer.Typer(
    name="crimeplan",
    cls=LazyGroup,
    help="Crime analysis, honest hotspot forecasting and governed risk tools for policing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crimeplan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    home: Annotated[Path | None, typer.Option(
        "--home", help="Workspace folder for the command that follows, unless it has its own "
                       "--home (default: $CRIMEPLAN_HOME, else ./crimeplan-home).")] = None,
) -> None:
    """crimeplan: every command takes --home DIR (or CRIMEPLAN_HOME) for its workspace; --home
    may also come before the command."""
    if home is not None:
        ctx.meta[GLOBAL_HOME] = home


if __name__ == "__main__":
    app()
