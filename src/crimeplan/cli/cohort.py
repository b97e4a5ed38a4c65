"""``crimeplan cohort``: harm-weighted offender scores, concentration and stability."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.app import cohorts as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    StepBar,
    actor,
    console,
    fail,
    home_dir,
    print_json,
    reported,
)

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
DEFAULT_TABLE = use.DEFAULT_TABLE


def _day(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{name} {text!r} is not a date (YYYY-MM-DD)")


def _date(text: str | None, name: str) -> dt.date | None:
    return None if text is None else _day(text, name)


def _history(history: Path, person: str, date: str, offence: str, harm_table: str,
             start: str | None, end: str | None) -> use.History:
    return use.History(history, person, date, offence, harm_table, _date(start, "--from"),
                       _date(end, "--to"))


def _shares(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(s) for s in text.split(",") if s.strip())
    except ValueError:
        fail(f"--shares {text!r} must be comma-separated fractions, e.g. 0.01,0.05,0.1")


@app.command("tables")
def tables(home: HomeOption = None) -> None:
    """List the harm tables shipped with crimeplan, with their status and citation."""
    home_dir(home)
    for table in use.tables(actor()):
        console.print(f"[bold]{escape(table.label)}[/]: {escape(table.unit)}\n  "
                      f"{escape(table.citation)}", markup=True)


@app.command("score")
def score(history: History, person: Person, date: Date, offence: Offence,
          out: Annotated[Path, typer.Option("--out", help="CSV of people ranked by harm.")],
          harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None, end: To = None,
          home: HomeOption = None, purpose: PurposeOption = None,
          as_json: JsonOption = False) -> None:
    """Score each person's total harm in a period and rank them."""
    with reported():
        done = use.score(actor(purpose), home_dir(home), _history(
            history, person, date, offence, harm_table, start, end), out)
    if as_json:
        print_json({"run_id": done.run_id, "out": str(out), "people": done.people,
                    "harm_table": done.table.label})
        return
    console.print(f"{done.people:,} people scored with {done.table.label}; written to {out}")


@app.command("concentration")
def concentration(history: History, person: Person, date: Date, offence: Offence,
                  harm_table: HarmTableOption = DEFAULT_TABLE, start: From = None,
                  end: To = None,
                  shares: Annotated[str, typer.Option(
                      "--shares", help="Top shares of people to report.")] = "0.01,0.05,0.1",
                  home: HomeOption = None, purpose: PurposeOption = None,
                  as_json: JsonOption = False) -> None:
    """Share of all harm caused by the top 1 / 5 / 10 % of people."""
    with reported():
        done = use.concentration(actor(purpose), home_dir(home), _history(
            history, person, date, offence, harm_table, start, end), _shares(shares))
    table, result = done.table, done.result
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
    middle = _day(split, "--split")
    with reported():
        done = use.stability(actor(purpose), home_dir(home), _history(
            history, person, date, offence, harm_table, start, end), middle, share)
    table, result = done.table, done.result
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
    with reported(), StepBar("cohort report") as bar:
        done = use.report(actor(purpose), home_dir(home), _history(
            history, person, date, offence, harm_table, start, end), out,
            split=_date(split, "--split"), share=share, progress=bar)
    console.print(f"cohort report for {done.people:,} people written to {out}; "
                  f"run {done.run_id}")


@app.command("synth")
def synth(out: Annotated[Path, typer.Option("--out", help="CSV of synthetic offences.")],
          people: Annotated[int, typer.Option("--people", min=1, help="People.")] = 2000,
          years: Annotated[int, typer.Option("--years", min=1, help="Years from 2022.")] = 3,
          seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
          home: HomeOption = None, purpose: PurposeOption = None) -> None:
    """Write a seeded synthetic offence history (person_id, offence_date, offence_type)."""
    frame = use.synth(actor(purpose), home_dir(home), out, people=people, years=years,
                      seed=seed)
    console.print(f"{len(frame):,} offences by {frame['person_id'].nunique():,} people "
                  f"written to {out}")
