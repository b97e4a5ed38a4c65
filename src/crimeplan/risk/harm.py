"""Harm tables: versioned, cited weights per offence type (e.g. days of imprisonment).

Tables ship as JSON under ``crimeplan/data/harm/`` (see its README); a user's own table is a
JSON file of the same shape. Offence names match after case-folding and treating ``-``, ``_``
and repeated spaces as one space. An offence the table does not list is an error naming the
file, row and value, unless the table gives a ``default_weight``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from crimeplan.risk.errors import RiskInputError

_PACKAGE_TABLES = "crimeplan.data", "harm"
_REQUIRED = ("name", "version", "unit", "status", "citation", "weights")


def normalise_offence(text: str) -> str:
    """The matching key of an offence name."""
    return re.sub(r"[\s_\-]+", " ", str(text)).strip().casefold()


@dataclass(frozen=True)
class HarmTable:
    """Weights per offence type with where they come from."""

    name: str
    version: str
    unit: str
    status: str
    citation: str
    weights: dict[str, float]
    notes: str = ""
    how_to_replace: str = ""
    default_weight: float | None = None
    anchors: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version} ({self.status})"

    def weigh(self, offences: pd.Series, where: str = "offence history") -> pd.Series:
        """Weight of each offence; an error naming the first row of each unknown type."""
        keyed = {normalise_offence(k): float(v) for k, v in self.weights.items()}
        keys = offences.map(normalise_offence)
        weights = keys.map(keyed)
        unknown = weights.isna()
        if unknown.any():
            if self.default_weight is None:
                firsts = offences[unknown].drop_duplicates().head(5)
                listed = ", ".join(f"{v!r} (line {int(i) + 2})" for i, v in firsts.items())
                raise RiskInputError(
                    f"{where}: offence type(s) not in harm table {self.label}: {listed}; "
                    f"add them to a copy of the table or map them to listed types")
            weights = weights.fillna(float(self.default_weight))
        return weights.astype(float)


def available_tables() -> list[str]:
    """Names of the harm tables shipped with crimeplan."""
    folder = resources.files(_PACKAGE_TABLES[0]).joinpath(_PACKAGE_TABLES[1])
    return sorted(json.loads(p.read_text(encoding="utf-8"))["name"]
                  for p in folder.iterdir() if p.name.endswith(".json"))


def load_harm_table(name_or_path: str) -> HarmTable:
    """A shipped table by name (e.g. ``cchi-style-illustrative``) or a JSON file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        return _parse(path.read_text(encoding="utf-8"), str(path))
    folder = resources.files(_PACKAGE_TABLES[0]).joinpath(_PACKAGE_TABLES[1])
    for candidate in folder.iterdir():
        if candidate.name.endswith(".json"):
            table = _parse(candidate.read_text(encoding="utf-8"), candidate.name)
            if name_or_path in (table.name, candidate.name.removesuffix(".json")):
                return table
    raise RiskInputError(f"harm table {name_or_path!r} is neither a JSON file nor one of "
                         f"{', '.join(available_tables())}")


def _parse(text: str, source: str) -> HarmTable:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RiskInputError(f"{source}: harm table is not valid JSON ({exc})") from exc
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise RiskInputError(f"{source}: harm table lacks field(s) {', '.join(missing)}")
    bad = {k: v for k, v in raw["weights"].items()
           if not isinstance(v, int | float) or isinstance(v, bool) or v < 0}
    if bad:
        raise RiskInputError(f"{source}: harm weights must be numbers ≥ 0; bad: {bad}")
    known = {f for f in HarmTable.__dataclass_fields__ if f != "source"}
    return HarmTable(**{k: v for k, v in raw.items() if k in known}, source=source)
