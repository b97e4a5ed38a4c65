"""Read a table of people for risk models from CSV, whatever its column names.

The caller names the target, feature, protected and id columns; nothing here knows a data
set's columns. Every problem is a ``RiskInputError`` naming the file, column and (data) row,
counting the header as line 1.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crimeplan.provenance.hashing import sha256_file
from crimeplan.risk.base import text_columns
from crimeplan.risk.errors import RiskInputError

#: A text feature with more distinct values than this is refused (an id or free text).
MAX_CATEGORY_LEVELS = 50
#: Words read as the positive / negative outcome in a target column.
POSITIVE = frozenset({"1", "1.0", "true", "yes", "y", "t"})
NEGATIVE = frozenset({"0", "0.0", "false", "no", "n", "f"})
MISSING_LABEL = "(missing)"


@dataclass(frozen=True)
class RiskData:
    """People read from one file: features, outcome (if present), protected attributes, ids."""

    path: Path
    sha256: str
    features: pd.DataFrame
    target: np.ndarray | None
    protected: pd.DataFrame
    ids: pd.Series

    @property
    def rows(self) -> int:
        return len(self.features)

    @property
    def categorical_features(self) -> list[str]:
        """Features read as text categories (one-hot encoded inside the models)."""
        return text_columns(self.features)


def parse_list(text: str | None) -> list[str]:
    """A comma-separated option value as a list of column names."""
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def read_risk_table(path: Path, *, features: Sequence[str], target: str | None = None,
                    protected: Sequence[str] = (), id_column: str | None = None,
                    require_two_classes: bool = True,
                    needed_because: Mapping[str, str] | None = None) -> RiskData:
    """Read and check a CSV of people: features numeric or encodable text, target 0/1.

    ``needed_because`` maps a column to why it is needed, added to the message if it is missing.
    """
    path = Path(path)
    frame = _read_csv(path)
    wanted = [c for c in (*features, *protected, target, id_column) if c]
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise RiskInputError(
            f"{path}: column(s) {', '.join(repr(c) for c in missing)} not found; the file has "
            f"{', '.join(repr(c) for c in frame.columns)}"
            + "".join(f"; {needed_because[c]}" for c in missing if c in (needed_because or {}))
        )
    if not features:
        raise RiskInputError(f"{path}: no feature columns given (--features)")
    x = pd.DataFrame({c: _feature_column(path, frame, c) for c in features})
    y = _target_column(path, frame, target, require_two_classes) if target else None
    prot = pd.DataFrame(
        {c: frame[c].str.strip().replace("", MISSING_LABEL) for c in protected},
        index=frame.index,
    ).astype(object)
    ids = (frame[id_column] if id_column else pd.Series(frame.index + 2, name="line"))
    return RiskData(path=path, sha256=sha256_file(path), features=x, target=y,
                    protected=prot, ids=ids.reset_index(drop=True))


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise RiskInputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise RiskInputError(f"{path}: the file is empty")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise RiskInputError(f"{path}: not a readable CSV file ({exc})") from exc
    except pd.errors.EmptyDataError as exc:
        raise RiskInputError(f"{path}: the file is empty") from exc
    if frame.empty:
        raise RiskInputError(f"{path}: the file has a header but no data rows")
    return frame.astype(object)


def _line(index: int) -> int:
    return int(index) + 2


def _feature_column(path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    """A feature as numbers when it is numeric, else as text categories (checked)."""
    text = frame[column].map(lambda v: str(v).strip())
    blank = text == ""
    if blank.any():
        line = _line(text.index[blank.to_numpy()][0])
        raise RiskInputError(
            f"{path}: column {column!r} line {line}: value is missing; fill or drop the "
            f"{int(blank.sum())} row(s) with no {column!r}"
        )
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna()
    if not bad.any():
        return numbers.astype(float)
    if bad.mean() <= 0.1:
        row = text.index[bad.to_numpy()][0]
        raise RiskInputError(
            f"{path}: column {column!r} line {_line(row)}: {text[row]!r} is not a number "
            f"(the column is otherwise numeric)"
        )
    levels = text.nunique()
    if levels > MAX_CATEGORY_LEVELS:
        raise RiskInputError(
            f"{path}: column {column!r} is not numeric and has {levels} distinct values "
            f"(more than {MAX_CATEGORY_LEVELS}), so it cannot be one-hot encoded; it looks like "
            f"an identifier or free text (e.g. line {_line(text.index[0])}: {text.iloc[0]!r})"
        )
    return text.astype(object)


def _target_column(path: Path, frame: pd.DataFrame, column: str,
                   require_two_classes: bool) -> np.ndarray:
    """The outcome as 0/1, accepting 0/1, true/false and yes/no."""
    text = frame[column].map(lambda v: str(v).strip().lower())
    values = np.empty(len(text), dtype=int)
    for i, (index, value) in enumerate(text.items()):
        if value in POSITIVE:
            values[i] = 1
        elif value in NEGATIVE:
            values[i] = 0
        else:
            shown = frame[column][index]
            raise RiskInputError(
                f"{path}: column {column!r} line {_line(index)}: target value {shown!r} is not "
                f"0/1, true/false or yes/no"
            )
    if require_two_classes and len(np.unique(values)) < 2:
        raise RiskInputError(
            f"{path}: column {column!r} has only one class ({int(values[0])}) in all "
            f"{len(values)} rows; a risk model needs people with both outcomes"
        )
    return values


def check_protected_features(features: Sequence[str], protected: Sequence[str],
                             allow_protected: bool) -> list[str]:
    """The protected attributes used as features; an error if any is used without the flag."""
    used = [c for c in features if c in set(protected)]
    if used and not allow_protected:
        raise RiskInputError(
            f"feature(s) {', '.join(repr(c) for c in used)} are protected attributes; they are "
            f"read for auditing only. Remove them from --features, or pass "
            f"--allow-protected-as-feature to use them as model inputs (recorded with the model)"
        )
    return used


def check_calibration_group(within: str | None, features: Sequence[str],
                            protected: Sequence[str], allowed: bool) -> list[str]:
    """The protected attribute calibrated within (``[]`` if none); an error unless allowed."""
    if within is None:
        return []
    if within not in protected:
        raise RiskInputError(
            f"--calibrate-within {within!r} must be one of the --protected attributes (the "
            f"column is treated as protected: audited and recorded with the model)")
    if within in features:
        raise RiskInputError(f"{within!r} is a model input (--features); calibrating within it "
                             "as well is not supported")
    if not allowed:
        raise RiskInputError(
            f"calibrating within {within!r} uses a protected attribute to set people's scores: "
            f"two people with the same inputs can get different scores because of their "
            f"{within}. Pass --allow-protected-in-calibration to do it anyway (recorded with "
            f"the model, in the audit log and in evaluation reports); see docs/risk.md")
    return [within]
