"""Harm-weighted offender cohorts: who causes most harm, how concentrated, how stable.

An offence history is one row per offence: person id, date, offence type (column names are
the caller's). ``score_people`` sums each person's harm over a period; ``concentration`` gives
the share of all harm caused by the top 1 / 5 / 10 % of people; ``stability`` compares the top
groups of two periods. The top ``q`` of N people is the ``ceil(q·N)`` people with most harm
(at least one); ties at the cut-off do not change the harm share, since tied people carry
equal harm. Only people with at least one offence in the period count towards N.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crimeplan.provenance.hashing import sha256_file
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.harm import HarmTable

DEFAULT_SHARES: tuple[float, ...] = (0.01, 0.05, 0.10)


@dataclass(frozen=True)
class OffenceHistory:
    """Offences read from one file, with standard column names person / date / offence."""

    path: Path
    sha256: str
    offences: pd.DataFrame

    @property
    def first_date(self) -> dt.date:
        return self.offences["date"].min().date()

    @property
    def last_date(self) -> dt.date:
        return self.offences["date"].max().date()


def read_history(path: Path, *, person: str, date: str, offence: str) -> OffenceHistory:
    """Read an offence history CSV; errors name the file, column and line."""
    path = Path(path)
    if not path.is_file():
        raise RiskInputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise RiskInputError(f"{path}: the file is empty")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise RiskInputError(f"{path}: the file is empty") from exc
    missing = [c for c in (person, date, offence) if c not in raw.columns]
    if missing:
        raise RiskInputError(f"{path}: column(s) {', '.join(map(repr, missing))} not found; the "
                             f"file has {', '.join(map(repr, raw.columns))}")
    if raw.empty:
        raise RiskInputError(f"{path}: the file has a header but no data rows")
    for column in (person, offence):
        blank = raw[column].str.strip() == ""
        if blank.any():
            raise RiskInputError(f"{path}: column {column!r} line {int(raw.index[blank][0]) + 2}:"
                                 " value is missing")
    dates = pd.to_datetime(raw[date].str.strip(), errors="coerce", format="mixed", dayfirst=False)
    bad = dates.isna()
    if bad.any():
        i = raw.index[bad][0]
        raise RiskInputError(f"{path}: column {date!r} line {int(i) + 2}: {raw[date][i]!r} is "
                             "not a date (use YYYY-MM-DD)")
    frame = pd.DataFrame({"person": raw[person].str.strip(), "date": dates,
                          "offence": raw[offence].str.strip()})
    return OffenceHistory(path=path, sha256=sha256_file(path), offences=frame)


def score_people(history: OffenceHistory, table: HarmTable, start: dt.date | None = None,
                 end: dt.date | None = None) -> pd.DataFrame:
    """Per person in ``[start, end)``: offences, harm, harm rank (1 = most) and harm share.

    Sorted by harm, most first; ties broken by person id so the order is reproducible.
    """
    offences = _in_period(history.offences, start, end)
    weights = table.weigh(offences["offence"], where=str(history.path))
    scored = offences.assign(harm=weights.to_numpy())
    people = scored.groupby("person", sort=True).agg(
        offences=("offence", "size"), harm=("harm", "sum"),
        first_offence=("date", "min"), last_offence=("date", "max"),
        most_harmful_offence=("harm", "idxmax"))
    worst = people["most_harmful_offence"]
    people["most_harmful_offence"] = scored.loc[worst, "offence"].to_numpy()
    people = people.reset_index().sort_values(["harm", "person"], ascending=[False, True],
                                              kind="mergesort")
    total = people["harm"].sum()
    people["rank"] = np.arange(1, len(people) + 1)
    people["harm_share"] = people["harm"] / total if total > 0 else 0.0
    people["cumulative_harm_share"] = people["harm_share"].cumsum()
    for column in ("first_offence", "last_offence"):
        people[column] = people[column].dt.date
    return people.reset_index(drop=True)


def top_count(people: int, share: float) -> int:
    """How many people make the top ``share``: ceil(share·N), at least one."""
    if not 0 < share <= 1:
        raise RiskInputError(f"top share {share} must be in (0, 1]")
    return max(1, math.ceil(round(share * people, 9))) if people else 0


@dataclass(frozen=True)
class ConcentrationRow:
    """Share of harm (and of offences) caused by the top ``share`` of people."""

    share: float
    people: int
    harm_share: float
    offence_share: float


@dataclass(frozen=True)
class Concentration:
    """How concentrated harm is among people: top shares and the Gini coefficient."""

    people: int
    total_harm: float
    total_offences: int
    rows: list[ConcentrationRow]
    gini: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rows])


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = one holds all)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x)) / (n * x.sum()) - (n + 1) / n)


def concentration(scores: pd.DataFrame, shares: Sequence[float] = DEFAULT_SHARES
                  ) -> Concentration:
    """Share of all harm caused by the top ``shares`` of people in ``scores``."""
    n = len(scores)
    total = float(scores["harm"].sum())
    total_offences = int(scores["offences"].sum())
    by_offences = np.sort(scores["offences"].to_numpy())[::-1]
    rows = []
    for share in shares:
        k = top_count(n, share)
        harm = float(scores["harm"].iloc[:k].sum())
        rows.append(ConcentrationRow(
            share=share, people=k, harm_share=harm / total if total else 0.0,
            offence_share=float(by_offences[:k].sum() / total_offences) if total_offences
            else 0.0))
    return Concentration(people=n, total_harm=total, total_offences=total_offences, rows=rows,
                         gini=gini(scores["harm"].to_numpy()))


@dataclass(frozen=True)
class Stability:
    """How far one period's top group carries into the next.

    ``carried_over`` is the share of the later period's top group already in the earlier
    period's top group; ``retained`` is the share of the earlier top group still top later.
    """

    share: float
    earlier_top: int
    later_top: int
    both: int
    carried_over: float
    retained: float
    later_top_new_offenders: int


def stability(earlier: pd.DataFrame, later: pd.DataFrame, share: float = 0.05) -> Stability:
    """Compare the top ``share`` of people by harm in two periods' scores."""
    for label, scores in (("earlier", earlier), ("later", later)):
        if scores.empty:
            raise RiskInputError(f"no offences in the {label} period; check --from, --split "
                                 "and --to against the history's dates")
    top_a = set(earlier["person"].iloc[:top_count(len(earlier), share)])
    top_b = set(later["person"].iloc[:top_count(len(later), share)])
    both = len(top_a & top_b)
    new = len(top_b - set(earlier["person"]))
    return Stability(share=share, earlier_top=len(top_a), later_top=len(top_b), both=both,
                     carried_over=both / len(top_b), retained=both / len(top_a),
                     later_top_new_offenders=new)


def _in_period(offences: pd.DataFrame, start: dt.date | None, end: dt.date | None
               ) -> pd.DataFrame:
    mask = np.ones(len(offences), dtype=bool)
    if start is not None:
        mask &= (offences["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (offences["date"] < pd.Timestamp(end)).to_numpy()
    return offences[mask]
