"""People fairness reading of a risk evaluation run: the group table in plain language.

Reads the ``groups`` table of a ``risk.evaluate`` run's ``metrics.json`` (one row per protected
attribute and group: n, base_rate, mean_predicted, selection_rate, fpr, fnr, auc, ece, ...).
For each attribute the largest group is the reference. Error rates get 95% Wilson intervals
(FPR over the group's non-reoffenders, n × (1 − base rate); FNR over its reoffenders) and gaps
to the reference get Newcombe's interval for a difference of two proportions (method 10).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crimeplan.csvsafe import write_csv
from crimeplan.provenance.runs import output_files
from crimeplan.report import html

Z95 = 1.959963984540054
#: Fewer people than this on either side of an error rate make it unreliable.
SMALL = 30
#: Gaps in percentage points below this are described as small.
NOTABLE_GAP = 0.05


@dataclass(frozen=True)
class Rate:
    """A proportion with its 95% interval (NaN when the denominator is 0)."""

    estimate: float
    low: float
    high: float
    denominator: int


@dataclass(frozen=True)
class GroupReading:
    """One group's error rates and calibration against the attribute's reference group."""

    attribute: str
    group: str
    n: int
    base_rate: float
    selection_rate: float
    fpr: Rate
    fnr: Rate
    fpr_gap: Rate  # this group minus the reference; denominator unused (0)
    fnr_gap: Rate
    mean_predicted: float
    calibration_gap: float  # mean predicted − observed rate
    ece: float | None
    auc: float | None
    small: bool


@dataclass
class PeopleAudit:
    """The reading of one risk evaluation run."""

    run_id: str
    groups: list[GroupReading]
    reading: dict[str, list[str]] = field(default_factory=dict)  # attribute → sentences

    def table(self) -> pd.DataFrame:
        """One row per group with the intervals as columns."""
        rows = []
        for g in self.groups:
            rows.append({"attribute": g.attribute, "group": g.group, "n": g.n,
                         "base_rate": g.base_rate, "selection_rate": g.selection_rate,
                         "fpr": g.fpr.estimate, "fpr_low": g.fpr.low, "fpr_high": g.fpr.high,
                         "fpr_gap": g.fpr_gap.estimate, "fpr_gap_low": g.fpr_gap.low,
                         "fpr_gap_high": g.fpr_gap.high, "fnr": g.fnr.estimate,
                         "fnr_low": g.fnr.low, "fnr_high": g.fnr.high,
                         "fnr_gap": g.fnr_gap.estimate, "fnr_gap_low": g.fnr_gap.low,
                         "fnr_gap_high": g.fnr_gap.high, "mean_predicted": g.mean_predicted,
                         "calibration_gap": g.calibration_gap, "ece": g.ece, "auc": g.auc,
                         "small_group": g.small})
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "reading": self.reading,
                "groups": [_clean(asdict(g)) for g in self.groups]}


def wilson(successes: float, n: int) -> Rate:
    """Wilson score interval for successes out of n."""
    if n <= 0:
        nan = float("nan")
        return Rate(nan, nan, nan, 0)
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    # at 0 or n successes the bound equals p exactly (rounding would leave it a hair off)
    return Rate(p, min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half)), n)


def newcombe(a: Rate, b: Rate) -> Rate:
    """Interval for the difference a − b of two independent proportions (Newcombe 1998)."""
    d = a.estimate - b.estimate
    if math.isnan(d):
        return Rate(d, d, d, 0)
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Rate(d, low, high, 0)


def metrics_path(record: dict[str, Any]) -> Path:
    """The metrics.json of a risk evaluation run record."""
    run_id = record.get("run_id")
    if record.get("kind") != "risk.evaluate":
        raise ValueError(f"run {run_id} is a {record.get('kind')!r} run, not a risk.evaluate run")
    for path in output_files(record):
        if path.name == "metrics.json":
            if not path.exists():
                raise ValueError(f"{path}: metrics file of run {run_id} is missing")
            return path
    raise ValueError(f"run {run_id} lists no metrics.json output")


def read_people(record: dict[str, Any]) -> PeopleAudit:
    """Read a risk evaluation run's group table and write its plain-language reading."""
    path = metrics_path(record)
    metrics = json.loads(path.read_text(encoding="utf-8"))
    rows = metrics.get("groups")
    if not isinstance(rows, list):
        raise ValueError(f"{path}: no 'groups' table (per protected group metrics)")
    frame = pd.DataFrame(rows)
    need = ["attribute", "group", "n", "base_rate", "selection_rate", "fpr", "fnr",
            "mean_predicted"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: the groups table lacks field(s) {', '.join(missing)}")
    audit = PeopleAudit(str(record.get("run_id")), [])
    for attribute, part in frame.groupby("attribute", sort=False):
        readings = _attribute(str(attribute), part.reset_index(drop=True))
        audit.groups.extend(readings)
        audit.reading[str(attribute)] = describe(readings)
    if not audit.groups:
        audit.reading["(none)"] = ["The evaluation has no protected groups to compare: it was "
                                   "run without --protected attributes."]
    return audit


def _attribute(attribute: str, part: pd.DataFrame) -> list[GroupReading]:
    rates = []
    for row in part.itertuples(index=False):
        n, base = int(row.n), float(row.base_rate)
        positives, negatives = round(n * base), n - round(n * base)
        rates.append((wilson(_num(row.fpr) * negatives, negatives),
                      wilson(_num(row.fnr) * positives, positives)))
    ref = int(part["n"].astype(int).idxmax())
    out = []
    for i, row in enumerate(part.itertuples(index=False)):
        fpr, fnr = rates[i]
        predicted, base = _num(row.mean_predicted), _num(row.base_rate)
        out.append(GroupReading(
            attribute, str(row.group), int(row.n), base, _num(row.selection_rate), fpr, fnr,
            newcombe(fpr, rates[ref][0]), newcombe(fnr, rates[ref][1]), predicted,
            predicted - base, _opt(getattr(row, "ece", None)), _opt(getattr(row, "auc", None)),
            min(fpr.denominator, fnr.denominator) < SMALL))
    # keep the reference first: sentences compare every other group with it
    return [out[ref]] + [g for i, g in enumerate(out) if i != ref]


def describe(groups: list[GroupReading]) -> list[str]:
    """Plain-language sentences about one attribute (reference group first)."""
    ref, others = groups[0], groups[1:]
    attr = ref.attribute
    lines = [f"{attr}: compared with '{ref.group}', the largest group ({ref.n:,} people; "
             f"{_pct(ref.base_rate)} reoffended; false positive rate {_pct(ref.fpr.estimate)}, "
             f"false negative rate {_pct(ref.fnr.estimate)})."]
    for g in others:
        if g.small:
            lines.append(f"'{g.group}' ({g.n:,} people) is too small for a reliable reading: "
                         f"fewer than {SMALL} reoffenders or non-reoffenders.")
            continue
        lines.append(_gap_sentence(g, ref, g.fpr_gap, "false positive rate",
                                   "non-reoffenders flagged", "more people wrongly flagged"))
        lines.append(_gap_sentence(g, ref, g.fnr_gap, "false negative rate",
                                   "reoffenders missed", "more reoffenders missed"))
    for g in groups:
        if not g.small and abs(g.calibration_gap) >= NOTABLE_GAP:
            side = "over" if g.calibration_gap > 0 else "under"
            lines.append(f"For '{g.group}' the model {side}-predicts: mean predicted risk "
                         f"{_pct(g.mean_predicted)} against {_pct(g.base_rate)} observed.")
    base_rates = [g.base_rate for g in groups if not g.small]
    if len(base_rates) > 1 and max(base_rates) - min(base_rates) >= NOTABLE_GAP:
        lines.append(
            f"Base rates differ across {attr} groups ({_pct(min(base_rates))} to "
            f"{_pct(max(base_rates))}). When base rates differ, a score that is equally "
            "well calibrated in every group cannot also give every group the same false "
            "positive and false negative rates (Chouldechova 2017; Kleinberg, Mullainathan & "
            "Raghavan 2016). Which balance matters is a decision for the panel, not the tool.")
    return lines


def _gap_sentence(g: GroupReading, ref: GroupReading, gap: Rate, name: str, meaning: str,
                  burden: str) -> str:
    interval = f"95% interval {_pts(gap.low)} to {_pts(gap.high)}"
    rate = g.fpr if name.startswith("false positive") else g.fnr
    head = (f"'{g.group}' ({g.n:,} people): {name} {_pct(rate.estimate)} ({meaning}), "
            f"{_pts(gap.estimate)} against '{ref.group}' ({interval})")
    if math.isnan(gap.estimate):
        return f"'{g.group}': the {name} cannot be computed (no people on one side)."
    if gap.low > 0:
        return f"{head}: '{g.group}' has {burden}, beyond what chance explains."
    if gap.high < 0:
        return f"{head}: '{g.group}' has fewer, beyond what chance explains."
    return f"{head}: the difference could be chance."


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _opt(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else (
        float(value))


def _pct(p: float) -> str:
    return "n/a" if math.isnan(p) else f"{100 * p:.1f}%"


def _pts(d: float) -> str:
    return "n/a" if math.isnan(d) else f"{100 * d:+.1f} points"


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


@dataclass(frozen=True)
class PeopleAuditFiles:
    """Paths written by ``write_people_audit``."""

    json: Path
    csv: Path
    html: Path


def write_people_audit(audit: PeopleAudit, out: Path) -> PeopleAuditFiles:
    """Write people.json, people.csv and report.html into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = PeopleAuditFiles(out / "people.json", out / "people.csv", out / "report.html")
    files.json.write_text(json.dumps(audit.to_json(), indent=2), encoding="utf-8")
    write_csv(audit.table(), files.csv)
    sections = []
    for i, (attribute, sentences) in enumerate(audit.reading.items()):
        s = html.Section(f"By {attribute}", f"a{i}")
        s.add("<ul>" + "".join(f"<li>{html.esc(x)}</li>" for x in sentences) + "</ul>")
        part = audit.table()
        if not part.empty:
            s.add(html.table(part[part["attribute"] == attribute], float_format="{:.3f}"))
        sections.append(s)
    intro = [html.note("False positive rate: the share of people who did not reoffend but were "
                       "flagged. False negative rate: the share of reoffenders not flagged. "
                       "Gaps are against the largest group, in percentage points, with 95% "
                       "intervals. Outcomes are recorded reoffending, which depends on "
                       "policing as well as behaviour.")]
    files.html.write_text(html.page(f"People fairness reading: run {audit.run_id}", sections,
                                    intro=intro, footer="crimeplan audit people"),
                          encoding="utf-8")
    return files
