"""`--home` before or after the command: the command's own wins, then the global one, then
CRIMEPLAN_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest
from street_files import street_csv
from typer.testing import CliRunner

from crimeplan.cli.main import app
from crimeplan.settings import WAREHOUSE_FILE
from crimeplan.store import Warehouse

#: Rows in the street file every test ingests.
STREET_ROWS = 4


@pytest.fixture()
def street_file(tmp_path: Path) -> Path:
    return street_csv(tmp_path / "2018-01-essex-street.csv", STREET_ROWS)


def street_rows(home: Path) -> int:
    con = Warehouse(home).connect(read_only=True)
    try:
        return con.execute("SELECT count(*) FROM street").fetchall()[0][0]
    finally:
        con.close()


def ingest(args: list[str], env_home: Path | None = None) -> None:
    env = {"CRIMEPLAN_HOME": str(env_home) if env_home else None}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("position", ["before", "after"])
def test_home_before_or_after_the_command(tmp_path: Path, street_file: Path, position: str) -> None:
    home = tmp_path / "ws"
    args = (["--home", str(home), "ingest", str(street_file)] if position == "before"
            else ["ingest", str(street_file), "--home", str(home)])
    ingest(args)
    assert street_rows(home) == STREET_ROWS


def test_home_before_a_group_command(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    result = CliRunner().invoke(app, ["--home", str(home), "risk", "synth", "--out",
                                      str(tmp_path / "people.csv"), "--rows", "10"])
    assert result.exit_code == 0, result.output
    assert home.is_dir()
    assert len((tmp_path / "people.csv").read_text().splitlines()) == 11


def test_commands_own_home_wins_over_global_and_environment(tmp_path: Path,
                                                            street_file: Path) -> None:
    own, glob, env = tmp_path / "own", tmp_path / "global", tmp_path / "env"
    ingest(["--home", str(glob), "ingest", str(street_file), "--home", str(own)], env_home=env)
    assert street_rows(own) == STREET_ROWS
    assert not (glob / WAREHOUSE_FILE).exists() and not (env / WAREHOUSE_FILE).exists()


def test_global_home_wins_over_environment(tmp_path: Path, street_file: Path) -> None:
    glob, env = tmp_path / "global", tmp_path / "env"
    ingest(["--home", str(glob), "ingest", str(street_file)], env_home=env)
    assert street_rows(glob) == STREET_ROWS
    assert not (env / WAREHOUSE_FILE).exists()


def test_environment_is_used_without_any_home_option(tmp_path: Path, street_file: Path) -> None:
    env = tmp_path / "env"
    ingest(["ingest", str(street_file)], env_home=env)
    assert street_rows(env) == STREET_ROWS
