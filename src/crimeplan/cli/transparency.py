"""``crimeplan transparency RUN``: the algorithmic transparency record of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import jsonschema
import typer
from rich.markup import escape

from crimeplan.cli.common import HomeOption, PurposeOption, console, fail, home_dir
from crimeplan.governance.runs import RunRecorder
from crimeplan.governance.transparency import build_record, read_owner_file
from crimeplan.governance.transparency_page import write_record


def transparency(
    run: Annotated[str, typer.Argument(help="Run id (or unique prefix) the record describes.")],
    owner_file: Annotated[Path, typer.Option("--owner-file", help="YAML with what only the "
                                             "owner can say (see docs/owner-example.yaml).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for record.json and record.html.")],
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Write an ATRS 3.0 transparency record (JSON, schema-checked, and HTML) for a run."""
    workspace = home_dir(home)
    try:
        owner = read_owner_file(owner_file)
        record = build_record(workspace, run, owner)
    except ValueError as exc:  # OwnerFileError included: names the file and field
        fail(str(exc))
    except jsonschema.ValidationError as exc:
        fail(f"the record does not match its schema at {exc.json_path}: {exc.message}")
    with RunRecorder(workspace, "transparency", purpose=purpose,
                     parameters={"run": record["run"]["run_id"]}) as rec:
        rec.add_input(owner_file, role="owner file")
        rec.add_input_data(f"run:{record['run']['run_id']}", record["run"]["log_hash"])
        files = write_record(record, out)
        rec.add_output(files.json)
        rec.add_output(files.html)
        rec.set_result("missing", record["missing"])
    console.print(f"wrote {files.json} and {files.html} (run {rec.run_id})")
    if record["missing"]:
        console.print(f"[yellow]{len(record['missing'])} item(s) not supplied, listed as "
                      f"missing:[/] {escape(', '.join(record['missing']))}", markup=True,
                      highlight=False)
