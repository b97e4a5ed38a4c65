"""Reader for the Home Office police recorded crime open data tables (force × offence ×
financial quarter), so national benchmarking can use the official series.

The published "Police Force Area open data tables" have one row per financial year × quarter ×
force × offence with the columns ``Financial Year`` ('2017/18'), ``Financial Quarter`` (1-4,
quarter 1 = April to June), ``Force Name``, ``Offence Description``, ``Offence Group``,
``Offence Subgroup``, ``Offence Code`` and ``Number of Offences``. The tables are published as
spreadsheets; save the data sheet as CSV (optionally gzipped) to read it here. Every value is
checked and the first problem raises ``RecordedCrimeError`` naming the file, row and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crimeplan.standard.forces import find_force

COLUMNS: dict[str, str] = {
    "Financial Year": "financial_year",
    "Financial Quarter": "quarter",
    "Force Name": "force_name",
    "Offence Description": "offence_description",
    "Offence Group": "offence_group",
    "Offence Subgroup": "offence_subgroup",
    "Offence Code": "offence_code",
    "Number of Offences": "offences",
}
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


class RecordedCrimeError(ValueError):
    """A recorded crime table does not follow the published layout."""


@dataclass(frozen=True)
class RecordedCrime:
    """The official series: one row per force × offence × financial quarter."""

    source: Path
    table: pd.DataFrame  # financial_year, quarter, quarter_start, force_name, force,
    #                      offence_description, offence_group, offence_subgroup,
    #                      offence_code, offences

    def series(self, by: str = "offence_group", force: str | None = None) -> pd.DataFrame:
        """Offences per force × ``by`` × quarter (``by`` = offence_group, offence_subgroup,
        offence_description or 'all')."""
        frame = self.table
        if force is not None:
            found = find_force(force)
            slug = found.slug if found else force
            frame = frame[frame["force"] == slug]
            if frame.empty:
                raise RecordedCrimeError(f"{self.source}: no rows for force {force!r}")
        keys = ["force", "financial_year", "quarter", "quarter_start"]
        if by != "all":
            if by not in ("offence_group", "offence_subgroup", "offence_description"):
                raise RecordedCrimeError(f"cannot group the official series by {by!r}")
            keys.insert(1, by)
        return frame.groupby(keys, as_index=False)["offences"].sum()


def quarter_start(financial_year: str, quarter: int) -> dt.date:
    """First day of a financial quarter: 2017/18 quarter 1 starts 2017-04-01."""
    first = int(_YEAR.match(financial_year).group(1))  # type: ignore[union-attr]
    month = 4 + 3 * (quarter - 1)
    return dt.date(first + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def read_recorded_crime(path: Path | str) -> RecordedCrime:
    """Read and check a Home Office recorded crime open data table saved as CSV."""
    path = Path(path)
    if path.suffix.lower() in (".ods", ".xlsx", ".xls"):
        raise RecordedCrimeError(f"{path}: save the data sheet as CSV to read it")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RecordedCrimeError(f"{path}: cannot read as CSV: {exc}") from None
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise RecordedCrimeError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = raw[list(COLUMNS)].rename(columns=COLUMNS)
    for name in frame.columns:
        frame[name] = frame[name].str.strip()
    _check(path, frame)
    frame["quarter"] = frame["quarter"].astype(int)
    frame["offences"] = frame["offences"].str.replace(",", "", regex=False).astype("int64")
    frame["quarter_start"] = [quarter_start(y, q) for y, q in
                              zip(frame["financial_year"], frame["quarter"], strict=True)]
    names = {n: find_force(n) for n in frame["force_name"].unique()}
    frame["force"] = frame["force_name"].map(lambda n: names[n].slug if names[n] else None)
    order = ["financial_year", "quarter", "quarter_start", "force_name", "force",
             "offence_description", "offence_group", "offence_subgroup", "offence_code",
             "offences"]
    return RecordedCrime(path, frame[order].reset_index(drop=True))


def _check(path: Path, frame: pd.DataFrame) -> None:
    """Raise on the first bad value, naming its row (header = row 1) and field."""
    checks = {
        "Financial Year": ~frame["financial_year"].str.match(_YEAR),
        "Financial Quarter": ~frame["quarter"].isin(["1", "2", "3", "4"]),
        "Force Name": frame["force_name"] == "",
        "Offence Description": frame["offence_description"] == "",
        "Number of Offences": ~frame["offences"].str.match(r"^-?\d{1,3}(,\d{3})*$|^-?\d+$"),
    }
    years = frame["financial_year"].str.extract(_YEAR).astype(float)
    checks["Financial Year"] |= (years[1] != (years[0] + 1) % 100).fillna(False)
    for field, bad in checks.items():
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            value = frame.iloc[i][COLUMNS[field]]
            raise RecordedCrimeError(f"{path}: row {i + 2}, field {field}: bad value {value!r}")
