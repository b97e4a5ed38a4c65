"""A one-page scorecard: an additive points model a custody sergeant can apply by hand.

Each item is one feature: a number is cut into bands, a text feature keeps its levels, and each
band or level carries a small whole number of points (the lowest band of an item scores 0).
The person's total points give their probability through one table. Fitting uses the training
data only:

1. Each number is cut at up to ``n_bins − 1`` distinct quantiles (rounded up to whole numbers
   for a whole-number column) and encoded as steps ``1[x ≥ cut]``; text levels are one-hot.
   A ridge-penalised logistic regression (scikit-learn's) on those columns is an additive
   step-function model; its penalty on the steps pulls neighbouring bands together.
2. Each item's band log-odds are shifted so its lowest band is 0, scaled so that the item with
   the widest range gets at most ``max_points`` points, and rounded. Neighbouring bands that
   round to the same points merge into one band; an item left with no points is dropped.
3. The penalty ``C`` (from ``Cs``) and the points of the widest item (``point_range``) are
   chosen together by the mean ``folds``-fold cross-validated AUC of the *rounded* score, so the
   rounding is chosen by cross-validation, not after looking at a test set.

The raw probability is a one-feature logistic regression on total points; like every model it
is then calibrated (``CalibratedRiskModel``), and the card tabulates the calibrated probability
of every total (``scorecard_card``). ``monotone`` constraints carry over: a rising feature's
steps get coefficients bounded at zero, a falling feature is encoded as ``1[x < cut]`` with the
same bound, so its points can only rise (or only fall) across its bands, and rounding keeps
the order. With more features than ``max_items``, items are added one at a time, each time the
one raising the cross-validated AUC of the rounded card most, while it rises (forward
selection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from crimeplan.risk.bands import BandThresholds
from crimeplan.risk.base import RiskModel, numeric_columns
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.evaluation import auc_or_nan
from crimeplan.risk.monotone import BoundedLogistic, check_monotone

#: The label of the points a text item gives a value not seen in training.
OTHER_LEVEL = "any other value"


@dataclass(frozen=True)
class _Item:
    """How one feature is encoded while fitting: cut points of a number, or text levels."""

    column: str
    cuts: np.ndarray | None = None
    levels: tuple[str, ...] = ()
    sign: int = 1

    def design(self, values: pd.Series) -> np.ndarray:
        """Step columns ``1[x ≥ cut]`` (``1[x < cut]`` when falling), or one-hot levels."""
        if self.cuts is None:
            text = values.astype(str).to_numpy()[:, None]
            return (text == np.asarray(self.levels, dtype=object)[None]).astype(float)
        x = values.to_numpy(dtype=float)[:, None]
        steps = x >= self.cuts[None] if self.sign > 0 else x < self.cuts[None]
        return steps.astype(float)

    def band_values(self, coef: np.ndarray) -> np.ndarray:
        """Log-odds of each band (a number's ``len(cuts) + 1`` bands, or each level)."""
        if self.cuts is None:
            return coef
        if self.sign > 0:
            return np.r_[0.0, np.cumsum(coef)]
        return np.r_[np.cumsum(coef[::-1])[::-1], 0.0]

    def names(self) -> list[str]:
        if self.cuts is None:
            return [f"{self.column}_{level}" for level in self.levels]
        op = "≥" if self.sign > 0 else "<"
        return [f"{self.column}{op}{_number(c)}" for c in self.cuts]


def _layout(X: pd.DataFrame, monotone: dict[str, int], n_bins: int) -> list[_Item]:
    """Each feature's fine bands (numbers) or levels (text), from these people only."""
    numbers = set(numeric_columns(X))
    items = []
    for column in X.columns:
        if column not in numbers:
            levels = tuple(sorted(X[column].astype(str).unique()))
            items.append(_Item(str(column), levels=levels))
            continue
        x = X[column].to_numpy(dtype=float)
        cuts = np.quantile(x, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
        if np.all(x == np.round(x)):
            cuts = np.ceil(cuts)
        cuts = np.unique(cuts[cuts > x.min()])
        items.append(_Item(str(column), cuts=cuts, sign=monotone.get(column, 1)))
    return items


def _design(items: Sequence[_Item], X: pd.DataFrame) -> tuple[np.ndarray, list[slice]]:
    """The fitting columns of every item side by side, and each item's slice of them."""
    blocks, slices, start = [], [], 0
    for item in items:
        block = item.design(X[item.column])
        blocks.append(block)
        slices.append(slice(start, start + block.shape[1]))
        start += block.shape[1]
    return np.hstack(blocks) if blocks else np.empty((len(X), 0)), slices


def _rounded(values: list[np.ndarray], max_points: int) -> list[np.ndarray]:
    """Each item's band values as whole points: lowest band 0, widest item ``max_points``."""
    shifted = [v - v.min() for v in values]
    widest = max((float(v.max()) for v in shifted), default=0.0)
    if widest <= 0:
        return [np.zeros(len(v), dtype=int) for v in shifted]
    return [np.round(v * max_points / widest).astype(int) for v in shifted]


def _increments(items: Sequence[_Item], points: Sequence[np.ndarray]) -> np.ndarray:
    """Points per fitting column, so that ``design @ increments`` is each total less a constant
    (the points of every item's all-zero band), which leaves rankings unchanged."""
    out = []
    for item, p in zip(items, points, strict=True):
        if item.cuts is None:
            out.append(p)
        else:
            out.append(np.diff(p) if item.sign > 0 else -np.diff(p))
    return np.concatenate(out).astype(float) if out else np.empty(0)


def _points_of(item: _Item, points: np.ndarray, values: pd.Series) -> np.ndarray:
    """Each person's points on one item (an unseen text level scores 0)."""
    if item.cuts is None:
        lookup = dict(zip(item.levels, points.tolist(), strict=True))
        return values.astype(str).map(lookup).fillna(0).to_numpy(dtype=int)
    return points[np.searchsorted(item.cuts, values.to_numpy(dtype=float), side="right")]


def _link(totals: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of an unpenalised logistic regression of ``y`` on total points."""
    if np.ptp(totals) == 0:
        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        return float(np.log(rate / (1 - rate))), 0.0
    fitted = LogisticRegression(C=np.inf).fit(totals.reshape(-1, 1).astype(float), y)
    return float(fitted.intercept_[0]), float(fitted.coef_[0, 0])


class Scorecard(RiskModel):
    """Additive whole-number points per band of each item, summed, then a probability.

    ``n_bins``: fine bands per number before merging (cuts at distinct quantiles);
    ``max_points``: the most points the widest item may carry (``point_range`` is searched up
    to it); ``Cs``: ridge penalties searched; ``max_items``: the most items on the card;
    ``monotone``: ``{column: +1 or -1}``. Fitted: ``C_``, ``max_points_``, ``items_`` (the
    items that score), ``intercept_`` and ``slope_`` (the raw probability of a total ``t`` is
    ``expit(intercept_ + slope_ · t)``).
    """

    name = "scorecard"
    #: A card's table is read by people: isotonic calibration would give the few people at
    #: the extreme totals their observed rate (0 % or 100 % from a handful), and the link is
    #: already a logistic curve in total points, so ``auto`` calibration is Platt's sigmoid.
    auto_calibration = "sigmoid"

    def __init__(self, max_items: int = 7, max_points: int = 10, min_points: int = 3,
                 n_bins: int = 20, Cs: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0),
                 folds: int = 5, random_state: int = 0,
                 monotone: dict[str, int] | None = None) -> None:
        self.max_items = max_items
        self.max_points = max_points
        self.min_points = min_points
        self.n_bins = n_bins
        self.Cs = Cs
        self.folds = folds
        self.random_state = random_state
        self.monotone = monotone

    @property
    def point_range(self) -> range:
        """The widest item's points tried by cross-validation."""
        return range(self.min_points, self.max_points + 1)

    def _regression(self, Z: np.ndarray, y: np.ndarray, C: float,
                    items: Sequence[_Item], slices: Sequence[slice]) -> np.ndarray:
        """Ridge logistic coefficients; a constrained item's steps bounded at zero."""
        bounded = tuple(j for item, s in zip(items, slices, strict=True)
                        if (self.monotone or {}).get(item.column) for j in range(s.start, s.stop))
        if bounded:
            return BoundedLogistic(C=C, nonnegative=bounded).fit(Z, y).coef_[0]
        return LogisticRegression(C=C, max_iter=2000).fit(Z, y).coef_[0]

    def _card_points(self, X: pd.DataFrame, y: np.ndarray, columns: Sequence[str], C: float,
                     point_range: Sequence[int]) -> tuple[list[_Item], list[list[np.ndarray]]]:
        """Items laid out on ``X`` and, for each points setting, every item's band points."""
        items = _layout(X[list(columns)], check_monotone(self.monotone, X), self.n_bins)
        Z, slices = _design(items, X)
        coef = self._regression(Z, y, C, items, slices)
        values = [item.band_values(coef[s]) for item, s in zip(items, slices, strict=True)]
        return items, [_rounded(values, m) for m in point_range]

    def _cv_auc(self, X: pd.DataFrame, y: np.ndarray,
                columns: Sequence[str]) -> tuple[float, float, int]:
        """Best mean held-out AUC of the rounded card over (``C``, points), and that choice.

        Ranking is what calibration cannot repair, so the rounding is chosen by it; ties go to
        the stronger penalty and the fewer points (earlier in ``Cs`` and ``point_range``).
        """
        splitter = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        points = list(self.point_range)
        aucs = np.zeros((len(self.Cs), len(points)))
        for train, test in splitter.split(X, y):
            for i, C in enumerate(self.Cs):
                items, cards = self._card_points(X.iloc[train], y[train], columns, C, points)
                Z, _ = _design(items, X.iloc[test])
                for j, card in enumerate(cards):
                    aucs[i, j] += auc_or_nan(y[test], Z @ _increments(items, card))
        i, j = np.unravel_index(int(np.argmax(aucs)), aucs.shape)
        return float(aucs[i, j] / self.folds), float(self.Cs[i]), int(points[j])

    def _select(self, X: pd.DataFrame, y: np.ndarray) -> tuple[list[str], float, int]:
        """Items, ``C`` and points; items by forward selection if there are more features
        than ``max_items``, each step adding the one that raises the CV AUC most."""
        features = [str(c) for c in X.columns]
        if len(features) <= self.max_items:
            return features, *self._cv_auc(X, y, features)[1:]
        chosen: list[str] = []
        best = (-np.inf, self.Cs[0], self.max_points)
        while len(chosen) < self.max_items:
            tried = {c: self._cv_auc(X, y, [*chosen, c]) for c in features if c not in chosen}
            column = max(tried, key=lambda c: tried[c][0])
            if tried[column][0] <= best[0]:
                break
            chosen.append(column)
            best = tried[column]
        return [c for c in features if c in chosen], best[1], best[2]

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Scorecard:
        X, y = self._start_fit(X, y)
        if self.max_items < 1 or self.min_points < 1 or self.max_points < self.min_points:
            raise RiskInputError("a scorecard needs max_items ≥ 1 and 1 ≤ min_points ≤ "
                                 "max_points")
        columns, self.C_, self.max_points_ = self._select(X, y)
        items, (points,) = self._card_points(X, y, columns, self.C_, [self.max_points_])
        self.encoded_names_ = [n for item in items for n in item.names()]
        self.items_ = []
        self.cuts_: dict[str, list[float]] = {}
        self.band_points_: dict[str, list[int]] = {}
        self.levels_: dict[str, list[str]] = {}
        self.lowest_: dict[str, float] = {}
        for item, p in zip(items, points, strict=True):
            if p.max() == 0:
                continue
            self.items_.append(item.column)
            if item.cuts is None:
                self.levels_[item.column] = list(item.levels)
                self.band_points_[item.column] = p.tolist()
            else:  # neighbouring bands with equal points become one band
                change = np.flatnonzero(np.diff(p)) + 1
                self.lowest_[item.column] = float(X[item.column].min())
                self.cuts_[item.column] = item.cuts[change - 1].tolist()
                self.band_points_[item.column] = p[np.r_[0, change]].tolist()
        self.intercept_, self.slope_ = _link(self.points(X), y)
        return self

    def _fitted_items(self) -> list[tuple[_Item, np.ndarray]]:
        check_is_fitted(self, "items_")
        out = []
        for column in self.items_:
            points = np.asarray(self.band_points_[column], dtype=int)
            if column in self.levels_:
                out.append((_Item(column, levels=tuple(self.levels_[column])), points))
            else:
                out.append((_Item(column, cuts=np.asarray(self.cuts_[column])), points))
        return out

    def item_points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each person's points on each item of the card."""
        X = self._columns(X)
        return pd.DataFrame({item.column: _points_of(item, p, X[item.column])
                             for item, p in self._fitted_items()}, index=X.index)

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Each person's total points."""
        return self.item_points(X).sum(axis=1).to_numpy(dtype=int)

    def raw_probability(self, totals: np.ndarray) -> np.ndarray:
        """The uncalibrated probability of each total."""
        check_is_fitted(self, "slope_")
        return expit(self.intercept_ + self.slope_ * np.asarray(totals, dtype=float))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.raw_probability(self.points(X))
        return np.column_stack([1.0 - p, p])

    @property
    def total_range(self) -> tuple[int, int]:
        """The lowest and highest total a person can score."""
        items = self._fitted_items()
        return (sum(int(p.min()) for _, p in items), sum(int(p.max()) for _, p in items))

    def table(self) -> list[dict[str, object]]:
        """The points table: item, band or level (with its bounds), points."""
        rows: list[dict[str, object]] = []
        for item, points in self._fitted_items():
            if item.cuts is None:
                rows += [{"item": item.column, "band": level, "from": None, "below": None,
                          "points": int(p)} for level, p in zip(item.levels, points, strict=True)]
                rows.append({"item": item.column, "band": OTHER_LEVEL, "from": None,
                             "below": None, "points": 0})
                continue
            edges = [None, *item.cuts.tolist(), None]
            whole = all(float(c).is_integer() for c in item.cuts)
            lowest = self.lowest_[item.column]
            for k, p in enumerate(points):
                rows.append({"item": item.column,
                             "band": _band(edges[k], edges[k + 1], whole, lowest),
                             "from": edges[k], "below": edges[k + 1], "points": int(p)})
        return rows

    @property
    def encoded_feature_names(self) -> list[str]:
        check_is_fitted(self, "encoded_names_")
        return list(self.encoded_names_)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _band(low: float | None, high: float | None, whole: bool, lowest: float) -> str:
    """A band in words: ``up to 20``, ``21–24``, ``25 or more`` (whole numbers; a first band
    holding only the lowest training value, such as 0 of a count, is that value), or with
    ``below`` for other numbers. A value below the first band's range falls in it."""
    if whole:
        if low is None:
            return _number(lowest) if high - 1 == lowest else f"up to {_number(high - 1)}"
        if high is None:
            return f"{_number(low)} or more"
        return _number(low) if high - 1 == low else f"{_number(low)}–{_number(high - 1)}"
    if low is None:
        return f"below {_number(high)}"
    if high is None:
        return f"{_number(low)} or more"
    return f"{_number(low)} to below {_number(high)}"


def scorecard_card(model: RiskModel, thresholds: BandThresholds) -> dict[str, object]:
    """The card of a calibrated scorecard: points table and total points → probability.

    The probability of each total is the calibrated model's own (its calibration map applied
    to the scorecard's raw probability), so reading the card gives what ``risk predict`` gives.
    Empty for any other model.
    """
    card = getattr(model, "estimator_", None)
    if not isinstance(card, Scorecard):
        return {}
    low, high = card.total_range
    totals = np.arange(low, high + 1)
    p = np.clip(model.calibrator_.predict(card.raw_probability(totals), None), 0.0, 1.0)
    return {
        "items": card.table(),
        "unused": [c for c in card.feature_names_in_ if c not in card.items_],
        "totals": [{"points": int(t), "probability": float(q), "band": str(b)}
                   for t, q, b in zip(totals, p, thresholds.assign(p), strict=True)],
        "max_points": card.max_points_, "C": card.C_,
        "link": {"intercept": card.intercept_, "slope": card.slope_},
    }


def render_card(scorecard: dict, *, title: str, note: str = "") -> str:
    """The scorecard as one page of plain text: points per item, then totals to probability.

    Consecutive totals with the same probability share a line.
    """
    lines = [title, "Add up the points of each item; the total gives the estimated probability.",
             ""]
    width = max([len("Item"), *(len(r["item"]) for r in scorecard["items"])])
    band_width = max([len("Band"), *(len(r["band"]) for r in scorecard["items"])])
    lines.append(f"{'Item':<{width}}  {'Band':<{band_width}}  Points")
    previous = None
    for row in scorecard["items"]:
        item = row["item"] if row["item"] != previous else ""
        previous = row["item"]
        lines.append(f"{item:<{width}}  {row['band']:<{band_width}}  {row['points']:>6}")
    if scorecard["unused"]:
        lines.append(f"(no points: {', '.join(scorecard['unused'])})")
    lines += ["", "Total points  Probability  Band"]
    runs: list[list[dict]] = []
    for row in scorecard["totals"]:
        if runs and runs[-1][-1]["probability"] == row["probability"]:
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in runs:
        first, last = run[0]["points"], run[-1]["points"]
        span = str(first) if first == last else f"{first}–{last}"
        lines.append(f"{span:<12}  {100 * run[0]['probability']:>10.1f}%  {run[0]['band']}")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"
