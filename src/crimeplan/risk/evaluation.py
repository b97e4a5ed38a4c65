"""Accuracy, calibration and error balance of risk probabilities, overall and by group.

Decisions: a person is *flagged* when their band is moderate or high (the cost-optimal
decision, see ``bands``). FPR and FNR are of that decision. The *dangerous error rate* is the
share of reoffenders put in the low band; the *cautious error rate* is the share of
non-reoffenders put in the high band (HART's two errors). ECE uses ``ECE_BINS`` equal-width bins:
the mean over people of |mean predicted − observed rate| in their bin. On small groups ECE is
mostly sampling noise, so each group also gets ``ece_noise_floor``: the mean ECE a perfectly
calibrated model with the same predictions would show (outcomes simulated from the
predictions, ``NOISE_DRAWS`` times, fixed seed). An ECE near its floor is not evidence of
miscalibration. Because the plug-in ECE is biased upwards by that noise, each group also gets a
debiased calibration error (``debiased_ece``), percentile bootstrap intervals of both (people
resampled ``ECE_BOOTSTRAP_DRAWS`` times) and calibration-in-the-large with its standard error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from crimeplan.risk.bands import BANDS, BandThresholds

ECE_BINS = 10
NOISE_DRAWS = 200
ECE_BOOTSTRAP_DRAWS = 1000
#: Smallest group given a verdict on an ECE target: a perfectly calibrated model shows a
#: plug-in ECE of about 1/√n on n people (0.03 needs more than about 1,100), so a smaller
#: group gets its noise floor instead.
ECE_VERDICT_MIN_PEOPLE = 1000


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of the calibration curve."""

    lower: float
    upper: float
    n: int
    mean_predicted: float
    observed_rate: float


def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS
                      ) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]; empty bins are left out. The last bin includes 1."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            out.append(CalibrationBin(b / bins, (b + 1) / bins, int(inside.sum()),
                                      float(p[inside].mean()), float(y[inside].mean())))
    return out


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Σ_bins (n_b / n) · |mean predicted_b − observed_b|."""
    curve = calibration_curve(y, p, bins)
    n = sum(b.n for b in curve)
    return float(sum(b.n / n * abs(b.mean_predicted - b.observed_rate) for b in curve))


def ece_noise_floor(p: np.ndarray, bins: int = ECE_BINS, draws: int = NOISE_DRAWS,
                    seed: int = 0) -> float:
    """Mean ECE of outcomes drawn from ``p`` itself: what perfect calibration looks like here."""
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    index = np.minimum((p * bins).astype(int), bins - 1)
    predicted = np.bincount(index, weights=p, minlength=bins)
    total = 0.0
    for _ in range(draws):
        observed = np.bincount(index, weights=(rng.random(len(p)) < p), minlength=bins)
        total += np.abs(predicted - observed).sum() / len(p)
    return float(total / draws)


def _bin_sums(y: np.ndarray, p: np.ndarray, bins: int) -> tuple[np.ndarray, ...]:
    """People, predicted sum and outcome sum in each equal-width bin."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    return (np.bincount(index, minlength=bins), np.bincount(index, weights=p, minlength=bins),
            np.bincount(index, weights=y, minlength=bins))


@dataclass(frozen=True)
class EceIntervals:
    """Percentile bootstrap intervals of the plug-in and the debiased calibration error."""

    low: float
    high: float
    debiased_low: float
    debiased_high: float


def ece_bootstrap_intervals(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS,
                            draws: int = ECE_BOOTSTRAP_DRAWS, level: float = 0.95,
                            seed: int = 0) -> EceIntervals:
    """Resample people with replacement; intervals of both estimates over the resamples.

    Resampling adds noise of its own, which the plug-in ECE turns into upward bias: for a well
    calibrated group its interval sits above the plug-in value and may not contain it, so read
    it as how far the figure can move, not as an interval for the true ECE. Each resample's
    debiased estimate removes that noise too, so the debiased interval is the one to judge a
    target by (as Kumar, Liang & Ma 2019 do).
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return EceIntervals(*[float("nan")] * 4)
    rng = np.random.default_rng(seed)
    plug_in, debiased = np.empty(draws), np.empty(draws)
    for i in range(draws):
        take = rng.integers(0, len(p), len(p))
        sums = _bin_sums(y[take], p[take], bins)
        plug_in[i] = np.abs(sums[1] - sums[2]).sum() / len(p)
        debiased[i] = _debiased(*sums)
    tail = [(1 - level) / 2, 1 - (1 - level) / 2]
    return EceIntervals(*np.quantile(plug_in, tail).tolist(),
                        *np.quantile(debiased, tail).tolist())


def debiased_ece(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Calibration error with each bin's sampling noise removed (Kumar, Liang & Ma 2019).

    In a bin of ``n`` people with mean prediction ``m`` and observed rate ``r``, the squared gap
    ``(m − r)²`` overstates the true squared gap by the variance of ``r``, estimated without bias
    by ``r(1 − r)/(n − 1)``; subtracting it and weighting bins by ``n / N`` gives an unbiased
    estimate ``D`` of the binned squared calibration error (Bröcker 2012; Ferro & Fricker 2012).
    Returned as ``sign(D)·√|D|``, in probability units: near 0 (either side) when calibration is
    good. Its target, the root-mean-square gap, is never below the ECE of the same bins, so a
    small value is conservative evidence of a small ECE. Bins of one person are not corrected.
    """
    return _debiased(*_bin_sums(np.asarray(y, dtype=float), np.asarray(p, dtype=float), bins))


def _debiased(count: np.ndarray, predicted: np.ndarray, observed: np.ndarray) -> float:
    used = count > 0
    n, m, r = count[used], predicted[used] / count[used], observed[used] / count[used]
    noise = np.where(n > 1, r * (1 - r) / np.maximum(n - 1, 1), 0.0)
    squared = float(np.sum(n / n.sum() * ((m - r) ** 2 - noise)))
    return float(np.sign(squared) * np.sqrt(abs(squared)))


def calibration_in_the_large(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Mean predicted minus observed rate, and its standard error ``sd(p − y)/√n``."""
    diff = np.asarray(p, dtype=float) - np.asarray(y, dtype=float)
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return float(diff.mean()), se


def auc_or_nan(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC, or NaN when only one outcome is present."""
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def _rate(numerator: np.ndarray, denominator: np.ndarray) -> float:
    d = int(np.sum(denominator))
    return float(np.sum(numerator & denominator) / d) if d else float("nan")


@dataclass(frozen=True)
class GroupMetrics:
    """Metrics for everyone or for one group; NaN where undefined (e.g. AUC with one class)."""

    n: int
    base_rate: float
    mean_predicted: float
    auc: float
    brier: float
    log_loss: float
    ece: float
    ece_noise_floor: float
    ece_ci_low: float
    ece_ci_high: float
    ece_debiased: float
    ece_debiased_ci_low: float
    ece_debiased_ci_high: float
    calibration_in_the_large: float
    calibration_in_the_large_se: float
    accuracy: float
    selection_rate: float
    fpr: float
    fnr: float
    dangerous_error_rate: float
    cautious_error_rate: float


def group_metrics(y: np.ndarray, p: np.ndarray, thresholds: BandThresholds) -> GroupMetrics:
    """Every metric for one set of people."""
    y = np.asarray(y).astype(int)
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    flagged = thresholds.flagged(p)
    bands = thresholds.assign(p)
    positive, negative = y == 1, y == 0
    intervals = ece_bootstrap_intervals(y, p)
    in_the_large, in_the_large_se = calibration_in_the_large(y, p)
    return GroupMetrics(
        n=len(y),
        base_rate=float(y.mean()),
        mean_predicted=float(p.mean()),
        auc=auc_or_nan(y, p),
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])),
        ece=expected_calibration_error(y, p),
        ece_noise_floor=ece_noise_floor(p),
        ece_ci_low=intervals.low,
        ece_ci_high=intervals.high,
        ece_debiased=debiased_ece(y, p),
        ece_debiased_ci_low=intervals.debiased_low,
        ece_debiased_ci_high=intervals.debiased_high,
        calibration_in_the_large=in_the_large,
        calibration_in_the_large_se=in_the_large_se,
        accuracy=float(np.mean(flagged == positive)),
        selection_rate=float(flagged.mean()),
        fpr=_rate(flagged, negative),
        fnr=_rate(~flagged, positive),
        dangerous_error_rate=_rate(bands == "low", positive),
        cautious_error_rate=_rate(bands == "high", negative),
    )


def ece_verdict(metrics: GroupMetrics, target: float = 0.03,
                min_people: int = ECE_VERDICT_MIN_PEOPLE) -> str:
    """Whether the plug-in ECE is under ``target``; for fewer than ``min_people`` people, no
    verdict but the noise floor (what perfect calibration would show on that many people)."""
    if metrics.n < min_people:
        return (f"no verdict: {metrics.n:,} people (< {min_people:,}); noise floor "
                f"{metrics.ece_noise_floor:.3f}")
    if metrics.ece < target:
        return f"met: {metrics.ece:.3f} < {target:g}"
    return f"not met: {metrics.ece:.3f} ≥ {target:g}"


def band_confusion(y: np.ndarray, p: np.ndarray, thresholds: BandThresholds) -> pd.DataFrame:
    """People in each band, how many reoffended, and the band's observed rate."""
    y = np.asarray(y).astype(int)
    bands = thresholds.assign(p)
    rows = []
    for band in BANDS:
        inside = bands == band
        n = int(inside.sum())
        rows.append({"band": band, "n": n, "reoffended": int(y[inside].sum()),
                     "did_not_reoffend": int(n - y[inside].sum()),
                     "observed_rate": float(y[inside].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def by_group(y: np.ndarray, p: np.ndarray, groups: pd.DataFrame,
             thresholds: BandThresholds) -> pd.DataFrame:
    """One row per protected attribute and value (fairlearn ``MetricFrame`` per attribute)."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    fields = list(GroupMetrics.__dataclass_fields__)
    frames = []
    for attribute in groups.columns:
        frame = MetricFrame(metrics={"all": lambda yt, yp: group_metrics(yt, yp, thresholds)},
                            y_true=y, y_pred=p,
                            sensitive_features=groups[attribute].astype(str).to_numpy())
        table = pd.DataFrame([asdict(m) for m in frame.by_group["all"]])
        table.insert(0, "group", [str(g) for g in frame.by_group.index])
        table.insert(0, "attribute", attribute)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["attribute", "group", *fields])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Evaluation:
    """A whole evaluation: overall metrics, curve, band confusion, group table."""

    overall: GroupMetrics
    calibration: list[CalibrationBin]
    bands: pd.DataFrame
    groups: pd.DataFrame
    group_calibration: dict[str, dict[str, list[CalibrationBin]]]
    thresholds: BandThresholds

    def to_dict(self) -> dict:
        """Plain JSON-ready form (NaN becomes None)."""
        return _clean({
            "thresholds": asdict(self.thresholds),
            "overall": asdict(self.overall),
            "calibration_curve": [asdict(b) for b in self.calibration],
            "band_confusion": self.bands.to_dict(orient="records"),
            "groups": self.groups.to_dict(orient="records"),
            "group_calibration_curves": {
                a: {g: [asdict(b) for b in curve] for g, curve in by.items()}
                for a, by in self.group_calibration.items()},
        })


def evaluate(y: np.ndarray, p: np.ndarray, groups: pd.DataFrame,
             thresholds: BandThresholds) -> Evaluation:
    """Evaluate probabilities ``p`` against outcomes ``y``, overall and by each group column."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    curves = {a: {str(g): calibration_curve(y[(groups[a].astype(str) == g).to_numpy()],
                                            p[(groups[a].astype(str) == g).to_numpy()])
                  for g in sorted(groups[a].astype(str).unique())}
              for a in groups.columns}
    return Evaluation(overall=group_metrics(y, p, thresholds), calibration=calibration_curve(y, p),
                      bands=band_confusion(y, p, thresholds),
                      groups=by_group(y, p, groups, thresholds), group_calibration=curves,
                      thresholds=thresholds)


def _clean(obj: object) -> object:
    """Replace NaN with None and numpy scalars with Python numbers, recursively."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return None if np.isnan(obj) else float(obj)
    return obj
