"""Every use case is registered and takes an actor; every CLI command is a shell over one,
and its run is recorded with the actor in the record (or, for the few that record none, none
is appended)."""

from __future__ import annotations

import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimeplan.app as app_package
from crimeplan.app import cohorts
from crimeplan.app import risk as risk_use
from crimeplan.app.actors import cli_actor
from crimeplan.app.registry import USE_CASES, load_all, traced
from crimeplan.cases.actor import Actor
from crimeplan.cli.main import SUBCOMMANDS, app, load
from crimeplan.provenance.filelog import AuditLog

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "analysis"))
sys.path.insert(0, str(ROOT / "tests" / "sources"))

from builder import SAMPLE, real_slice_home  # noqa: E402
from fake_police_api import FakePoliceApi  # noqa: E402

#: Modules of the application layer that hold helpers, not use cases.
HELPERS = {"actors", "errors", "ingests", "recorded", "registry"}
#: Commands that are not use cases of the workspace, and why.
EXEMPT = {
    "serve": "starts the web service, whose routes are shells over the same use cases",
    "service": "administers the service database; its changes are security entries in the "
               "service's own chain (crimeplan.web.identity.accounts)",
    "exchange": "works on the service database and its peers over HTTP; "
                "tests/exchange/test_exchange_cli.py checks each command calls its use case",
    "standard check": "checks another system's endpoint over HTTP; "
                      "tests/exchange/test_exchange_conformance.py runs it against a crimeplan "
                      "serve process and checks it calls its use case",
}
runner = CliRunner()


def test_every_function_of_the_application_layer_is_a_registered_use_case():
    registered = {uc.function for uc in load_all().values()}
    loose = []
    for module in pkgutil.iter_modules(app_package.__path__):
        if module.name in HELPERS:
            continue
        mod = importlib.import_module(f"crimeplan.app.{module.name}")
        for name, function in inspect.getmembers(mod, inspect.isfunction):
            if function.__module__ == mod.__name__ and not name.startswith("_") and (
                    function not in registered):
                loose.append(f"{module.name}.{name}")
    assert loose == []
    assert len(USE_CASES) >= 40


def test_every_use_case_takes_the_actor_first():
    for name, uc in load_all().items():
        first = next(iter(inspect.signature(uc.function).parameters.values()))
        assert (first.name, first.annotation) in (("actor", "Actor"), ("actor", Actor)), name
        assert uc.run_kind is not None or uc.no_run_because, name


def _leaves(command: object, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    commands = getattr(command, "commands", None)
    if commands is None:
        yield prefix
        return
    for name, sub in commands.items():
        yield from _leaves(sub, (*prefix, name))


def cli_commands() -> set[str]:
    return {" ".join(path) for sub in SUBCOMMANDS for path in _leaves(load(sub), (sub.name,))}


@dataclass
class World:
    """Workspaces and files every command can run on."""

    home: Path
    toy: Path
    tmp: Path
    files: Path
    fake: FakePoliceApi
    forecast_run: str
    evaluation_run: str
    any_run: str
    history: Path


def _governance_world():
    """The governance tests' hand-built forecast world (their conftest, loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "governance_world", ROOT / "tests" / "governance" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    import json

    from crimeplan.app import analysis
    from crimeplan.provenance.runs import RunRecorder
    from crimeplan.store.warehouse import Warehouse

    tmp = tmp_path_factory.mktemp("use-cases")
    home = tmp / "home"
    files = real_slice_home(home)
    analysis.trends(cli_actor("a run to describe"), home, analysis.Where("essex"))
    any_run = AuditLog(home).records()[-1]["run_id"]
    gov = _governance_world()
    toy = tmp / "toy"
    con = Warehouse(toy).connect()
    gov.build_reference(con)
    gov.build_toy_crime(con)
    con.close()
    forecast_run = gov.build_forecast_run(toy)
    group = {"attribute": "sex", "n": 100, "base_rate": 0.5, "mean_predicted": 0.5,
             "selection_rate": 0.5, "fpr": 0.2, "fnr": 0.3}
    metrics = {"format": "crimeplan-risk-metrics", "format_version": 1,
               "protected_attributes": ["sex"], "overall": {**group, "attribute": "all"},
               "groups": [{**group, "group": "Male"}, {**group, "group": "Female"}]}
    (tmp / "metrics.json").write_text(json.dumps(metrics))
    with RunRecorder(toy, "risk.evaluate", cli_actor("board review")) as run:
        run.add_output(tmp / "metrics.json")
    history = tmp / "offences.csv"
    cohorts.synth(cli_actor(), tmp / "scratch", history, people=60, years=2, seed=1)
    points = tmp / "points.csv"
    points.write_bytes(b"when,lon,lat,kind\n" + b"".join(
        f"2019-01-0{d}T10:00:00,-87.6{d},41.8{d},street\r\n".encode() for d in range(1, 8)))
    from crimeplan.app.calls import ingest_calls
    from crimeplan.app.data import ingest_points
    from crimeplan.store.calls import CallsSpec
    from crimeplan.store.points import PointsSpec

    ingest_points(cli_actor(), home, points, PointsSpec("tiny", "when", "lon", "lat",
                                                        "EPSG:4326", "kind"))

    calls = tmp / "calls.csv"
    calls.write_bytes(b"at,kind,who\n" + b"".join(
        f"2019-01-0{d}T10:00:00,ASB,R{d % 3}\r\n".encode() for d in range(1, 8)))
    ingest_calls(cli_actor(), home, calls, CallsSpec("room", "at", "kind", caller="who"))
    with pytest.MonkeyPatch.context() as mp, FakePoliceApi() as fake:
        mp.setenv("XDG_STATE_HOME", str(tmp / "state"))
        yield World(home, toy, tmp, files, fake, forecast_run, run.run_id, any_run, history)


def _custody(w: World) -> Path:
    """200 synthetic custody records (written once, recorded in a scratch workspace)."""
    path = w.tmp / "custody.csv"
    if not path.exists():
        risk_use.synth(cli_actor(), w.tmp / "scratch", path, rows=200, seed=2)
    return path


def _risk_model(w: World) -> str:
    """A baseline risk model of the custody records (fitted once, in a scratch workspace)."""
    folder = w.tmp / "risk-model"
    if not folder.exists():
        risk_use.fit(cli_actor(), w.tmp / "scratch", _custody(w), folder, risk_use.FitSpec(
            "reoffended_2y", ["age", "prior_arrests"], model="baseline", folds=2))
    return str(folder)


def _history(w: World) -> list[str]:
    return [str(w.history), "--person", "person_id", "--date", "offence_date", "--offence",
            "offence_type"]


#: Each command: the use case it must call, its arguments, and its workspace (home or toy).
COMMANDS: dict[str, tuple[str, Callable[[World], list[str]], str]] = {
    "ingest": ("ingest", lambda w: [str(w.files / "2018-07/2018-07-essex-street.csv")],
               "home"),
    "ingest-points": ("ingest-points", lambda w: [
        str(w.tmp / "points.csv"), "--time", "when", "--x", "lon", "--y", "lat", "--crs",
        "EPSG:4326", "--name", "tiny", "--category", "kind"], "home"),
    "ingest-calls": ("ingest-calls", lambda w: [
        str(w.tmp / "calls.csv"), "--name", "room", "--time", "at", "--type", "kind",
        "--caller", "who"], "home"),
    "analysis calls": ("analysis.calls", lambda w: ["--dataset", "room"], "home"),
    "analysis profile": ("analysis.profile", lambda w: ["--dataset", "tiny"], "home"),
    "analysis stop-search-pack": ("report.stop-search-pack", lambda w: [
        "--force", "metropolitan", "--quarter", "2018-Q3", "--out", str(w.tmp / "pack")],
        "home"),
    "export parquet": ("export.parquet", lambda w: [str(w.tmp / "parquet")], "home"),
    "simulate calls": ("simulate.calls", lambda w: ["--out", str(w.tmp / "gen.csv"),
                                                    "--calls", "50", "--days", "7"], "home"),
    "coverage": ("coverage", lambda w: [], "home"),
    "quarantine": ("quarantine", lambda w: ["--limit", "3"], "home"),
    "summary": ("summary", lambda w: [], "home"),
    "transparency": ("transparency.write", lambda w: [
        w.any_run, "--owner-file", str(ROOT / "docs" / "owner-example.yaml"), "--out",
        str(w.tmp / "transparency")], "home"),
    "report": ("report", lambda w: ["--force", "essex", "--from", "2018-07", "--to", "2018-07",
                                    "--out", str(w.tmp / "report")], "home"),
    "standard schema": ("standard.schema", lambda w: ["--out", str(w.tmp / "schema")], "home"),
    "standard codes": ("standard.codes", lambda w: [], ""),
    "standard export": ("standard.export", lambda w: ["--out", str(w.tmp / "standard")],
                        "home"),
    "simulate feedback": ("simulate.feedback", lambda w: [
        "--dataset", "essex", "--out", str(w.tmp / "feedback")], "home"),
    "audit log": ("audit.log", lambda w: ["--json"], "home"),
    "audit show": ("audit.show", lambda w: [w.any_run], "home"),
    "audit verify": ("audit.verify", lambda w: [], "home"),
    "audit places": ("audit.places", lambda w: [w.forecast_run, "--coverage", "0.5", "--out",
                                                str(w.tmp / "places")], "toy"),
    "audit people": ("audit.people", lambda w: [w.evaluation_run, "--out",
                                                str(w.tmp / "people")], "toy"),
    "fetch archive": ("fetch.archive", lambda w: ["2018-07", "--base-url",
                                                  w.fake.archive_url], "home"),
    "fetch api": ("fetch.api", lambda w: ["--force", "essex", "--from", "2018-07",
                                          "--dataset", "stop-and-search", "--base-url",
                                          w.fake.api_url], "home"),
    "fetch forces": ("fetch.forces", lambda w: ["--base-url", w.fake.api_url], "home"),
    "fetch months": ("fetch.months", lambda w: ["--base-url", w.fake.api_url], "home"),
    "reference load": ("reference.load", lambda w: [str(SAMPLE / "reference")], "home"),
    "reference status": ("reference.status", lambda w: [], "home"),
    "analysis trends": ("analysis.trends", lambda w: ["--force", "essex"], "home"),
    "analysis rates": ("analysis.rates", lambda w: ["--force", "essex", "--by", "lad"], "home"),
    "analysis rises": ("analysis.rises", lambda w: ["--force", "essex", "--by", "category"],
                       "home"),
    "analysis outcomes": ("analysis.outcomes", lambda w: ["--force", "essex"], "home"),
    "analysis stop-search": ("analysis.stop-search", lambda w: ["--force", "metropolitan"],
                             "home"),
    "analysis concentration": ("analysis.concentration", lambda w: ["--force", "essex"],
                               "home"),
    "analysis deprivation": ("analysis.deprivation", lambda w: ["--force", "essex"], "home"),
    "analysis cost": ("analysis.cost", lambda w: ["--force", "essex"], "home"),
    "analysis peers": ("analysis.peers", lambda w: ["essex"], "home"),
    "analysis official": ("analysis.official", lambda w: [
        str(ROOT / "tests" / "fixtures" / "home_office_prc_pfa.csv"), "--force", "essex"],
        "home"),
    "cohort tables": ("cohort.tables", lambda w: [], "home"),
    "cohort score": ("cohort.score", lambda w: [*_history(w), "--out",
                                                str(w.tmp / "scores.csv")], "home"),
    "cohort concentration": ("cohort.concentration", lambda w: _history(w), "home"),
    "cohort stability": ("cohort.stability", lambda w: [*_history(w), "--split",
                                                        "2023-01-01"], "home"),
    "cohort report": ("cohort.report", lambda w: [*_history(w), "--out",
                                                  str(w.tmp / "cohort")], "home"),
    "cohort synth": ("cohort.synth", lambda w: ["--out", str(w.tmp / "synth.csv"),
                                                "--people", "5"], "home"),
    "risk synth": ("risk.synth", lambda w: ["--out", str(w.tmp / "custody-synth.csv"),
                                            "--rows", "10"], "home"),
    "risk fit": ("risk.fit", lambda w: [
        str(_custody(w)), "--target", "reoffended_2y", "--features", "age,prior_arrests",
        "--model", "baseline", "--folds", "2", "--out", str(w.tmp / "risk-fit")], "home"),
    "risk predict": ("risk.predict", lambda w: [_risk_model(w), str(_custody(w)), "--out",
                                                str(w.tmp / "risk-scores.csv")], "home"),
    "risk evaluate": ("risk.evaluate", lambda w: [
        _risk_model(w), str(_custody(w)), "--target", "reoffended_2y", "--out",
        str(w.tmp / "risk-evaluation")], "home"),
    "risk card": ("risk.card", lambda w: [_risk_model(w)], "home"),

    "forecast backtest": ("forecast.backtest", lambda w: [
        "--dataset", "toy", "--cell-size", "100", "--test-start", "2018-02-01",
        "--test-periods", "1", "--horizon", "1M", "--models", "naive", "--scheduler",
        "synchronous", "--boot", "10", "--out", str(w.tmp / "backtest")], "toy"),
    "forecast predict": ("forecast.predict", lambda w: [
        "--dataset", "toy", "--cell-size", "100", "--until", "2018-03-01", "--horizon", "1M",
        "--model", "naive", "--top", "50", "--history", "2", "--areas",
        str(SAMPLE / "reference" / "pfa20.gpkg"), "--out", str(w.tmp / "plan.geojson")], "toy"),
}


def test_every_command_is_listed_or_exempt():
    outside = {c for c in cli_commands() if c.split()[0] in EXEMPT or c in EXEMPT}
    assert cli_commands() - outside == set(COMMANDS)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_calls_its_use_case_and_records_the_actor(world: World, command: str):
    name, arguments, workspace = COMMANDS[command]
    use_case = load_all()[name]
    home = {"home": world.home, "toy": world.toy, "": None}[workspace]
    before = {r["run_id"] for r in AuditLog(home).records()} if home else set()
    argv = [*command.split(), *arguments(world), *(["--home", str(home)] if home else [])]
    with traced() as calls:
        result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert calls == [name]
    if home is None:
        return
    new = [r for r in AuditLog(home).records() if r["run_id"] not in before]
    if use_case.run_kind is None:
        assert new == []
        return
    assert [r["kind"] for r in new] == [use_case.run_kind]
    assert new[0]["actor"] == cli_actor().who() and new[0]["status"] == "ok"
    assert new[0]["user"] == cli_actor().user_id
