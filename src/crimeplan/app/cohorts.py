"""Use cases of offender cohorts: harm-weighted scores, concentration of harm, stability of
the top group, the cohort report, synthetic histories and the shipped harm tables.

Every cohort run records the offence history it read (with its SHA-256) and the harm table.
Bad input (a missing column, an unknown table) is recorded as a failed run and raised as
``BadInput`` naming the file, row and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.csvsafe import to_csv_text, write_csv
from crimeplan.provenance.runs import RunRecorder
from crimeplan.risk import cohorts
from crimeplan.risk.cohorts import DEFAULT_SHARES, OffenceHistory, read_history, score_people
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.harm import HarmTable, available_tables, load_harm_table
from crimeplan.risk.progress import Steps
from crimeplan.risk.synthetic import offence_histories

DEFAULT_TABLE = "cchi-style-illustrative"


@dataclass(frozen=True)
class History:
    """Where an offence history is and what its columns are."""

    path: Path
    person: str
    date: str
    offence: str
    harm_table: str = DEFAULT_TABLE
    start: dt.date | None = None
    end: dt.date | None = None

    def parameters(self) -> dict[str, Any]:
        return {"person": self.person, "date": self.date, "offence": self.offence,
                "harm_table": self.harm_table,
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}


@dataclass(frozen=True)
class CohortRun:
    """A recorded cohort run: its id, harm table and result."""

    run_id: str
    table: HarmTable
    result: Any
    people: int = 0


@contextmanager
def _cohort_run(actor: Actor, home: Path, kind: str, history: History, **extra: object
                ) -> Iterator[tuple[RunRecorder, HarmTable, OffenceHistory]]:
    """A recorded cohort run with its harm table and offence history read."""
    with bad_input(RiskInputError), RunRecorder(
            home, kind, actor, parameters={**history.parameters(), **extra}) as run:
        run.add_input(history.path)
        table = load_harm_table(history.harm_table)
        offences = read_history(history.path, person=history.person, date=history.date,
                                offence=history.offence)
        run.set_result("harm_table", table.label)
        yield run, table, offences


@use_case("cohort.tables", run_kind=None,
          no_run_because="it lists the harm tables shipped with crimeplan, not data")
def tables(actor: Actor) -> list[HarmTable]:
    """The harm tables shipped with crimeplan, with their status and citation."""
    return [load_harm_table(name) for name in available_tables()]


@use_case("cohort.score", run_kind="cohort.score")
def score(actor: Actor, home: Path, history: History, out: Path) -> CohortRun:
    """Score each person's total harm in the period and rank them, written to ``out``."""
    with _cohort_run(actor, home, "cohort.score", history, out=str(out)) as (run, table, offs):
        scores = score_people(offs, table, history.start, history.end)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(scores, out)
        run.add_output(out)
        run.set_result("people", len(scores))
    return CohortRun(run.run_id, table, scores, len(scores))


@use_case("cohort.concentration", run_kind="cohort.concentration")
def concentration(actor: Actor, home: Path, history: History,
                  shares: tuple[float, ...] = DEFAULT_SHARES) -> CohortRun:
    """Share of all harm caused by the top shares of people."""
    with _cohort_run(actor, home, "cohort.concentration", history,
                     shares=",".join(f"{s:g}" for s in shares)) as (run, table, offs):
        result = cohorts.concentration(score_people(offs, table, history.start, history.end),
                                       shares)
        run.set_result("concentration", [asdict(r) for r in result.rows])
    return CohortRun(run.run_id, table, result)


@use_case("cohort.stability", run_kind="cohort.stability")
def stability(actor: Actor, home: Path, history: History, split: dt.date,
              share: float = 0.05) -> CohortRun:
    """How many of the later period's top group were already top in the earlier period."""
    with _cohort_run(actor, home, "cohort.stability", history, split=split.isoformat(),
                     share=share) as (run, table, offs):
        result = cohorts.stability(score_people(offs, table, history.start, split),
                                   score_people(offs, table, split, history.end), share)
        run.set_result("stability", asdict(result))
    return CohortRun(run.run_id, table, result)


@use_case("cohort.report", run_kind="cohort.report")
def report(actor: Actor, home: Path, history: History, out: Path, *,
           split: dt.date | None = None, share: float = 0.05,
           progress: Callable[[str, int, int], None] | None = None) -> CohortRun:
    """Write the cohort report (harm table, concentration, top people, stability) into
    ``out``: report.html, scores.csv and concentration.csv."""
    from crimeplan.risk.report import cohort_report  # charts and model code: only here

    with _cohort_run(actor, home, "cohort.report", history,
                     split=split.isoformat() if split else None, share=share,
                     out=str(out)) as (run, table, offs):
        steps = Steps(progress, 2 if split is None else 3)
        steps.start("scoring people by harm")
        scores = score_people(offs, table, history.start, history.end)
        conc = cohorts.concentration(scores, DEFAULT_SHARES)
        stab = None
        if split is not None:
            steps.start(f"comparing the top groups before and after {split}")
            stab = cohorts.stability(score_people(offs, table, history.start, split),
                                     score_people(offs, table, split, history.end), share)
        label = f"{history.start or offs.first_date} to {history.end or offs.last_date}"
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
    return CohortRun(run.run_id, table, conc, len(scores))


@use_case("cohort.synth", run_kind="cohort.synth")
def synth(actor: Actor, home: Path, out: Path, *, people: int = 2000, years: int = 3,
          seed: int = 0) -> pd.DataFrame:
    """Write a seeded synthetic offence history (person_id, offence_date, offence_type)."""
    with RunRecorder(home, "cohort.synth", actor, parameters={
            "people": people, "years": years, "seed": seed, "out": str(out)}) as rec:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame = offence_histories(people, years=years, seed=seed)
        write_csv(frame, out)
        rec.add_output(out)
    return frame
