"""Options and helpers shared by every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from crimeplan.errors import CrimeplanError
from crimeplan.provenance.chain import AuditLogError
from crimeplan.settings import resolve_home
from crimeplan.workspace import WarehouseBusy

if TYPE_CHECKING:
    from crimeplan.cases.actor import Actor

#: Wide enough for tables when output goes to a file or pipe (Rich assumes 80 there).
_WIDTH = None if sys.stdout.isatty() else 120
#: Text printed (messages, table cells, titles) is shown literally: values from data or the
#: user such as ``[/red]`` or ``:smile:`` are never read as Rich markup or emoji codes. A line
#: styled in code says so with ``markup=True`` and passes every value through ``escape``.
console = Console(width=_WIDTH, markup=False, emoji=False)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120, markup=False,
                      emoji=False)

#: Key in the Click context's ``meta`` for ``--home`` given before the command.
GLOBAL_HOME = "crimeplan.home"


def _own_or_global_home(ctx: typer.Context, home: Path | None) -> Path | None:
    """A command's own ``--home``, else the one before the command (``crimeplan --home DIR
    ingest``); ``None`` leaves ``$CRIMEPLAN_HOME`` and the default to `home_dir`."""
    return home if home is not None else ctx.meta.get(GLOBAL_HOME)


HomeOption = Annotated[
    Path | None,
    typer.Option("--home", callback=_own_or_global_home,
                 help="Workspace folder (warehouse, audit log, runs); default: the --home "
                      "before the command, else $CRIMEPLAN_HOME, else ./crimeplan-home."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]
PurposeOption = Annotated[
    str | None,
    typer.Option("--purpose", help="Why this run is made; recorded in the audit log."),
]


def home_dir(home: Path | None) -> Path:
    """The workspace folder for a command, created if absent: ``home`` (the command's --home or
    the one before it), else ``$CRIMEPLAN_HOME``, else ``./crimeplan-home``."""
    path = resolve_home(home)
    path.mkdir(parents=True, exist_ok=True)
    return path


def actor(purpose: str | None = None) -> Actor:
    """The person at this command line, with the purpose they gave (--purpose)."""
    from crimeplan.app.actors import cli_actor

    return cli_actor(purpose)


@contextmanager
def reported() -> Iterator[None]:
    """A use case's error ends the command with its message (file, row and field where
    known) and the exit code of its kind (2 for bad input), not a traceback."""
    try:
        yield
    except CrimeplanError as exc:
        where = "; ".join(f"{f.field}: {f.message or f.code}" for f in exc.fields)
        fail(exc.message + (f" ({where})" if where else ""), exc.exit_code)


def print_json(obj: Any) -> None:
    """Write JSON to stdout (no Rich markup, so it can be piped)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to stderr and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False,
                      soft_wrap=True)
    raise typer.Exit(code)


class AuditLogErrors(TyperGroup):
    """A command group after which an audit log that cannot be read or written safely ends
    any command with its message (file, line, run) and exit code 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuditLogError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True,
                              highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc


class WorkspaceErrors(AuditLogErrors):
    """The top-level command group: a warehouse another process holds (an ingest writing it,
    or a writer that waited too long) ends any command with a one-line message naming that
    process and the exit code of a conflict (5), not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WarehouseBusy as exc:
            fail(str(exc), code=exc.exit_code)


class StepBar:
    """A Rich progress bar on stderr fed by a library's ``progress(what, done, total)``
    callback: what is being done, steps complete and time taken.

    Off with ``--json`` (``enabled=False``) and when stderr is not a terminal, so piped output
    and logs stay clean; it disappears when the work is done.
    """

    def __init__(self, title: str, enabled: bool = True) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{escape(title)}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
            console=err_console, transient=True,
            disable=not (enabled and err_console.is_terminal))
        self.task = self.progress.add_task("", total=None)

    def __call__(self, what: str, done: int, total: int) -> None:
        self.progress.update(self.task, description=what, completed=done, total=total)

    def __enter__(self) -> StepBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
