"""``crimeplan cohort``: harm-weighted offender scores, concentration and stability."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    StepBar,
    console,
    fail,
    home_dir,
    print_json,
)
from crimeplan.csvsafe import to_csv_text, write_csv
from crimeplan.governance.runs import RunRecorder
from crimeplan.risk import cohorts
from crimeplan.risk.cohorts import DEFAULT_SHARES, OffenceHistory, read_history, score_people
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.harm import HarmTable, available_tables, load_harm_table
from crimeplan.risk.progress import Steps
from crimeplan.risk.synthetic import offence_histories

app = typer.Typer(help="Offender cohorts: harm-weighted scores, concentration, stability.",
                  no_args_is_help=True)

History = Annotated[Path, typer.Argument(help="Offence history CSV, one row per offence.")]
Person = Annotated[str, typer.Option("--person", help="Person id column.")]
Date = Annotated[str, typer.Option("--date", help="Offence date column (YYYY-MM-DD).")]
Offence = Annotated[str, typer.Option("--offence", help="Offence type column.")]
HarmTableOption = Annotated[str, typer.Option(
    "--harm-table", help="Shipped table name (see `cohort tables`) or a JSON file.")]
From = Annotated[str | None, typer.Option("--from", help="Period start, inclusive (YYYY-MM-DD); "
                                          "default the first offence.")]
To = Annotated[str | None, typer.Option("--to", help="Period end, exclusive (YYYY-MM-DD); "
                                        "default the day after the last offence.")]
DEFAULT_TABLE = "cchi-style-illustrative"


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{name} {text!r} is not a date (YYYY-MM-DD)")


@contextmanager
def _cohort_run(kind: str, history: Path, person: str, date: str, offence: str,
                harm_table: str, start: str | None, end: str | None, home: Path | None,
                purpose: str | None, **extra: object
                ) -> Iterator[tuple[RunRecorder, HarmTable, OffenceHistory]]:
    """A recorded cohort run: its harm table and offence history, bad input as a clear error
    (the run is recorded as failed)."""
    parameters = {"person": person, "date": date, "offence": offence, "harm_table": harm_table,
                  "from": start, "to": end, **extra}
    try:
        with RunRecorder(home_dir(home), kind=kind, purpose=purpose,
                         parameters=parameters) as run:
            run.add_input(history)
            table = load_harm_table(harm_table)
            offences = read_history(history, person=person, date=date, offence=offence)
            run.set_result("harm_table", table.label)
            yield run, table, offences
    except RiskInputError as exc:
        fail(str(exc))


def _shares(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(s) for s in text.split(",") if s.strip())
    except ValueError:
        fail(f"--shares {text!r} must be comma-separated fractions, e.g. 0.01,0.05,0.1")


@app.command("tables")
def tables(home: HomeOption = None) -> None:
    """List the harm tables shipped with crimeplan, with their status and citation."""
    home_dir(home)
    for name in available_tables():
        table = load_harm_table(name)
        console.print(f"[bold]{escape(table.label)}[/]: {escape(table.unit)}\n  "
                      f"{escape(table.citation)}", markup=True)


@app.command("score")
def score(history: History, person: Person, date: Date, offence: Offence,
          out: Annotated[Path, typer.Option("--out", help="CSV of people ranked by harm.")],
          harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None, end: To = None,
          home: HomeOption = None, purpose: PurposeOption = None,
          as_json: JsonOption = False) -> None:
    """Score each person's total harm in a period and rank them."""
    period = (_date(start, "--from"), _date(end, "--to"))
    with _cohort_run("cohort.score", history, person, date, offence, harm_table, start, end,
                     home, purpose, out=str(out)) as (run, table, offences):
        scores = score_people(offences, table, *period)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(scores, out)
        run.add_output(out)
        run.set_result("people", len(scores))
    if as_json:
        print_json({"run_id": run.run_id, "out": str(out), "people": len(scores),
                    "harm_table": table.label})
        return
    console.print(f"{len(scores):,} people scored with {table.label}; written to {out}")


@app.command("concentration")
def concentration(history: History, person: Person, date: Date, offence: Offence,
                  harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None,
                  end: To = None,
                  shares: Annotated[str, typer.Option(
                      "--shares", help="Top shares of people to report.")] = "0.01,0.05,0.1",
                  home: HomeOption = None, purpose: PurposeOption = None,
                  as_json: JsonOption = False) -> None:
    """Share of all harm caused by the top 1 / 5 / 10 % of people."""
    period = (_date(start, "--from"), _date(end, "--to"))
    with _cohort_run("cohort.concentration", history, person, date, offence, harm_table,
                     start, end, home, purpose, shares=shares) as (run, table, offences):
        result = cohorts.concentration(score_people(offences, table, *period), _shares(shares))
        run.set_result("concentration", [asdict(r) for r in result.rows])
    if as_json:
        print_json({"harm_table": table.label, **asdict(result)})
        return
    console.print(f"{result.people:,} people, total harm {result.total_harm:,.0f} "
                  f"({table.unit}), Gini {result.gini:.2f}")
    for row in result.rows:
        console.print(f"  top {row.share:.0%} ({row.people:,} people): {row.harm_share:.1%} of "
                      f"harm, {row.offence_share:.1%} of offences (ranked by offences)")


@app.command("stability")
def stability(history: History, person: Person, date: Date, offence: Offence,
              split: Annotated[str, typer.Option(
                  "--split", help="Start of the later period (YYYY-MM-DD).")],
              harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None, end: To = None,
              share: Annotated[float, typer.Option(
                  "--share", help="Top share of people compared.")] = 0.05,
              home: HomeOption = None, purpose: PurposeOption = None,
              as_json: JsonOption = False) -> None:
    """How many of the later period's top group were already top in the earlier period."""
    period = (_date(start, "--from"), _date(end, "--to"))
    middle = _date(split, "--split")
    with _cohort_run("cohort.stability", history, person, date, offence, harm_table, start,
                     end, home, purpose, split=split, share=share) as (run, table, offences):
        result = cohorts.stability(score_people(offences, table, period[0], middle),
                                   score_people(offences, table, middle, period[1]), share)
        run.set_result("stability", asdict(result))
    if as_json:
        print_json({"harm_table": table.label, **asdict(result)})
        return
    console.print(f"top {share:.0%}: {result.both} of the later {result.later_top} were already "
                  f"top before ({result.carried_over:.0%}); {result.retained:.0%} of the "
                  f"earlier {result.earlier_top} stayed top")


@app.command("report")
def report(history: History, person: Person, date: Date, offence: Offence,
           out: Annotated[Path, typer.Option("--out", help="Folder for report.html and CSVs.")],
           harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None, end: To = None,
           split: Annotated[str | None, typer.Option(
               "--split", help="Also compare the top group before and after this date.")] = None,
           share: Annotated[float, typer.Option(
               "--share", help="Top share for stability.")] = 0.05,
           home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Write the cohort report (harm table, concentration, top people, stability)."""
    from crimeplan.risk.report import cohort_report  # charts and model code: only here
    period = (_date(start, "--from"), _date(end, "--to"))
    middle = _date(split, "--split")
    with StepBar("cohort report") as bar, _cohort_run(
            "cohort.report", history, person, date, offence, harm_table, start, end, home,
            purpose, split=split, share=share, out=str(out)) as (run, table, offences):
        steps = Steps(bar, 2 if middle is None else 3)
        steps.start("scoring people by harm")
        scores = score_people(offences, table, *period)
        conc = cohorts.concentration(scores, DEFAULT_SHARES)
        stab = None
        if middle is not None:
            steps.start(f"comparing the top groups before and after {middle}")
            stab = cohorts.stability(score_people(offences, table, period[0], middle),
                                     score_people(offences, table, middle, period[1]), share)
        label = f"{period[0] or offences.first_date} to {period[1] or offences.last_date}"
        steps.start("writing report.html, scores.csv and concentration.csv")
        out.mkdir(parents=True, exist_ok=True)
        files = {"report.html": cohort_report(table, scores, conc, stab, label),
                 "scores.csv": to_csv_text(scores),
                 "concentration.csv": to_csv_text(conc.to_frame())}
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
            run.add_output(out / name)
        run.set_result("concentration", [asdict(r) for r in conc.rows])
        steps.finish("written")
    console.print(f"cohort report for {len(scores):,} people written to {out}; run {run.run_id}")


@app.command("synth")
def synth(out: Annotated[Path, typer.Option("--out", help="CSV of synthetic offences.")],
          people: Annotated[int, typer.Option("--people", min=1, help="People.")] = 2000,
          years: Annotated[int, typer.Option("--years", min=1, help="Years from 2022.")] = 3,
          seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
          home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Write a seeded synthetic offence history (person_id, offence_date, offence_type)."""
    with RunRecorder(home_dir(home), "cohort.synth", purpose=purpose,
                     parameters={"people": people, "years": years, "seed": seed,
                                 "out": str(out)}) as rec:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame = offence_histories(people, years=years, seed=seed)
        write_csv(frame, out)
        rec.add_output(out)
    console.print(f"{len(frame):,} offences by {frame['person_id'].nunique():,} people "
                  f"written to {out}")
