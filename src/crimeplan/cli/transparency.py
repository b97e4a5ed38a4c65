"""``crimeplan transparency RUN``: the algorithmic transparency record of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.app import transparency as use
from crimeplan.cli.common import HomeOption, PurposeOption, actor, console, home_dir, reported


def transparency(
    run: Annotated[str, typer.Argument(help="Run id (or unique prefix) the record describes.")],
    owner_file: Annotated[Path, typer.Option("--owner-file", help="YAML with what only the "
                                             "owner can say (see docs/owner-example.yaml).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for record.json and record.html.")],
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Write an ATRS 3.0 transparency record (JSON, schema-checked, and HTML) for a run."""
    with reported():
        written = use.write(actor(purpose), home_dir(home), run, owner_file, out)
    files, record = written.files, written.record
    console.print(f"wrote {files.json} and {files.html} (run {written.run_id})")
    if record["missing"]:
        console.print(f"[yellow]{len(record['missing'])} item(s) not supplied, listed as "
                      f"missing:[/] {escape(', '.join(record['missing']))}", markup=True,
                      highlight=False)
