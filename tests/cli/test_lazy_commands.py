"""The lazy top-level command: help without imports, and the same commands as eager Typer."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from street_files import street_csv
from typer.testing import CliRunner

from crimeplan import __version__
from crimeplan.cli.main import SUBCOMMANDS, Subcommand, app, load

#: Libraries `crimeplan --help` must not import.
HEAVY = ("pandas", "numpy", "duckdb", "sklearn", "lightgbm", "dask", "matplotlib", "plotly",
         "geopandas")
#: Libraries an ingest has no use for.
MODELLING = ("sklearn", "lightgbm", "dask", "matplotlib", "plotly")

#: Runs the command line in a fresh interpreter and writes the modules it imported to a file.
CHILD = """
import json, sys
from crimeplan.cli.main import app
out, args = sys.argv[1], sys.argv[2:]
try:
    app(args, prog_name="crimeplan")
except SystemExit as exit:
    code = exit.code
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def run_child(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, imported modules and stdout of ``crimeplan ARGS`` in its own process."""
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), *args], capture_output=True,
                          text=True, timeout=300, check=False)
    result = json.loads(out.read_text())
    return result["code"], set(result["modules"]), done.stdout + done.stderr


def first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda s: s.name)
def test_listed_help_is_the_commands_own_first_paragraph(sub: Subcommand) -> None:
    command = load(sub)
    assert command.name == sub.name
    assert sub.help == first_paragraph(command.help)


def test_help_imports_no_heavy_library_and_no_subcommand_module(tmp_path: Path) -> None:
    code, modules, output = run_child(tmp_path, "--help")
    assert code == 0
    assert sorted(m for m in HEAVY if m in modules) == []
    assert sorted(m for m in modules if m.startswith("crimeplan.cli.")) == [
        "crimeplan.cli.common", "crimeplan.cli.main"]
    for sub in SUBCOMMANDS:
        assert f" {sub.name} " in output


def test_version_imports_no_heavy_library(tmp_path: Path) -> None:
    code, modules, output = run_child(tmp_path, "--version")
    assert (code, output.strip()) == (0, f"crimeplan {__version__}")
    assert sorted(m for m in HEAVY if m in modules) == []


def test_ingest_imports_no_modelling_library(tmp_path: Path) -> None:
    street_file = street_csv(tmp_path / "2018-01-essex-street.csv", 3)
    code, modules, output = run_child(tmp_path, "ingest", str(street_file), "--home",
                                      str(tmp_path / "home"), "--json")
    assert code == 0, output
    assert json.loads(output[output.index("{"):])["totals"]["rows_loaded"] == 3
    assert sorted(m for m in MODELLING if m in modules) == []


@pytest.mark.parametrize("args", [["audit", "verify"], ["audit", "log"],
                                  ["cohort", "synth", "--people", "5", "--years", "1"]],
                         ids=" ".join)
def test_light_subcommands_of_heavy_groups_skip_charts_and_models(tmp_path: Path,
                                                                  args: list[str]) -> None:
    if args[0] == "cohort":
        args = [*args, "--out", str(tmp_path / "offences.csv")]
    code, modules, output = run_child(tmp_path, *args, "--home", str(tmp_path / "home"))
    assert code == 0, output
    assert sorted(m for m in (*MODELLING, "matplotlib.pyplot") if m in modules) == []


def eager_app() -> typer.Typer:
    """The command line registered eagerly, as before lazy loading: the reference to match."""
    eager = typer.Typer(name="crimeplan", no_args_is_help=True, pretty_exceptions_enable=False)
    eager.callback()(lambda: None)
    for sub in SUBCOMMANDS:
        target = getattr(__import__(sub.module, fromlist=[sub.attribute]), sub.attribute)
        if isinstance(target, typer.Typer):
            eager.add_typer(target, name=sub.name)
        else:
            eager.command(sub.name)(target)
    return eager


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda s: s.name)
def test_subcommand_help_is_the_same_as_eager_typer(sub: Subcommand) -> None:
    runner = CliRunner()
    lazy = runner.invoke(app, [sub.name, "--help"], prog_name="crimeplan")
    eager = runner.invoke(eager_app(), [sub.name, "--help"], prog_name="crimeplan")
    assert lazy.exit_code == eager.exit_code == 0
    assert f"crimeplan {sub.name}" in lazy.output
    assert lazy.output == eager.output


def test_group_subcommands_run_through_the_lazy_group() -> None:
    result = CliRunner().invoke(app, ["standard", "codes"])
    assert result.exit_code == 0
    assert "Burglary ↔ burglary" in result.output


def test_unknown_command_suggests_the_nearest() -> None:
    result = CliRunner().invoke(app, ["ingets"])
    assert result.exit_code == 2
    assert "Did you mean 'ingest'" in result.output
