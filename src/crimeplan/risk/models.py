"""The risk models: a plain logistic baseline, penalised spline logistic regression, a random
forest with asymmetric error costs (as Durham's HART), gradient boosting, a weighted blend of
models, and cross-fitted probability calibration around any of them.

Defaults were chosen before looking at any test split: penalised logistic picks its knot count
and penalty by internal cross-validation; forest and boosting use conservative, widely used
settings fixed a priori (not tuned on any benchmark file); the blend averages penalised
logistic and boosting with equal weights unless asked to choose its weights by inner CV.
"""

from __future__ import annotations

import itertools

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from crimeplan.risk.base import (
    PipelineRiskModel,
    RiskModel,
    as_frame,
    encoder,
    numeric_columns,
    text_columns,
)
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.monotone import BoundedLogistic, Ramps, check_monotone, tree_constraints
from crimeplan.risk.progress import Progress


class LogisticBaseline(PipelineRiskModel):
    """Unpenalised logistic regression on the features given, linear in each number.

    Dressel & Farid (2018) showed that this on age and prior count alone matches COMPAS.
    """

    name = "baseline"

    def __init__(self, max_iter: int = 1000) -> None:
        self.max_iter = max_iter

    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        return make_pipeline(encoder(X, StandardScaler()),
                             LogisticRegression(C=np.inf, max_iter=self.max_iter))


class PenalisedLogistic(PipelineRiskModel):
    """Ridge-penalised logistic regression with a smooth spline curve for each number.

    Each numeric feature with enough distinct values gets a cubic B-spline with knots at its
    distinct quantiles (so risk may rise then fall with age); one with fewer than three
    distinct quantile knots, such as a count that is mostly zero, is a straight line. The knot
    count (from ``knot_counts``) and the inverse penalty ``C`` (from ``Cs``) are chosen together
    by ``folds``-fold cross-validated log loss on the training data only (``n_knots_``,
    ``C_``), so a benchmark that fits this model inside its outer folds tunes nothing to a
    test split.
    ``interactions`` adds a third axis to that search: with ``(False, True)`` the model may
    also add the product of every pair of standardised numbers (e.g. age × prior count), if
    that lowers the held-out log loss (``interactions_``). Off by default.
    ``monotone`` (``{column: +1 or -1}``) makes risk only rise or only fall with those numbers:
    their splines become ramps with coefficients bounded at zero (``crimeplan.risk.monotone``),
    and they take no part in pairwise products.
    """

    name = "logistic"

    def __init__(self, knot_counts: tuple[int, ...] = (4, 6, 8),
                 Cs: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0), folds: int = 5,
                 random_state: int = 0, interactions: tuple[bool, ...] = (False,),
                 monotone: dict[str, int] | None = None) -> None:
        self.knot_counts = knot_counts
        self.Cs = Cs
        self.interactions = interactions
        self.folds = folds
        self.random_state = random_state
        self.monotone = monotone

    def _encoding(self, X: pd.DataFrame, n_knots: int, pairs: bool = False) -> ColumnTransformer:
        monotone = self.monotone or {}
        numbers = [c for c in numeric_columns(X) if c not in monotone]
        knots = {c: _quantile_knots(X[c], n_knots) for c in numbers
                 if X[c].nunique() > 2 * n_knots}
        curved = [c for c in knots if len(knots[c]) >= 3]
        straight = [c for c in numbers if c not in curved]
        parts = [(f"curve_{c}", SplineTransformer(knots=knots[c][:, None],
                                                  extrapolation="constant"), [c])
                 for c in curved]
        parts += [("straight", StandardScaler(), straight),
                  ("category", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                   text_columns(X))]
        if pairs and len(numbers) >= 2:
            parts.append(("pairs", PairProducts(), numbers))
        if monotone:
            parts.append(("monotone", Ramps(monotone, n_knots), list(monotone)))
        return ColumnTransformer(parts, verbose_feature_names_out=False)

    def _estimator(self, columns: ColumnTransformer, C: float) -> LogisticRegression \
            | BoundedLogistic:
        """The regression on fitted ``columns``: bounded on the monotone ramps, if any."""
        if not self.monotone:
            return LogisticRegression(C=C, solver="newton-cholesky", max_iter=200)
        ramps = columns.output_indices_["monotone"]
        return BoundedLogistic(C=C, nonnegative=tuple(range(ramps.start, ramps.stop)))

    def _choose(self, X: pd.DataFrame, y: np.ndarray) -> tuple[int, float, bool]:
        """The (knot count, ``C``, pairs) choice with the lowest total held-out log loss."""
        splitter = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        grid = [(n, pairs) for pairs in self.interactions for n in self.knot_counts]
        losses = np.zeros((len(grid), len(self.Cs)))
        for train, test in splitter.split(X, y):
            for k, (n_knots, pairs) in enumerate(grid):
                columns = self._encoding(X, n_knots, pairs).fit(X.iloc[train])
                z_train = columns.transform(X.iloc[train])
                z_test = columns.transform(X.iloc[test])
                for i, c in enumerate(self.Cs):
                    fitted = self._estimator(columns, c)
                    p = fitted.fit(z_train, y[train]).predict_proba(z_test)[:, 1]
                    losses[k, i] += log_loss(y[test], p, labels=[0, 1])
        k, i = np.unravel_index(int(np.argmin(losses)), losses.shape)
        return int(grid[k][0]), float(self.Cs[i]), bool(grid[k][1])

    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        """The encoding fitted to ``X`` (the bounds depend on its layout), then the regression."""
        columns = self._encoding(X, self.n_knots_, self.interactions_).fit(X)
        return Pipeline([("columns", columns), ("regression", self._estimator(columns, self.C_))])

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> PenalisedLogistic:
        X, y = self._start_fit(X, y)
        check_monotone(self.monotone, X)
        self.n_knots_, self.C_, self.interactions_ = self._choose(X, y)
        self.pipeline_ = self._pipeline(X).fit(X, y)
        return self


def _quantile_knots(values: pd.Series, n_knots: int) -> np.ndarray:
    """The distinct values among ``n_knots`` evenly spaced quantiles.

    Counts that are mostly zero (juvenile offences, say) put most quantiles at 0; repeated
    knots would let a spline swing freely between 0 and the largest count, so they are merged,
    and a column left with fewer than three distinct knots is fitted as a straight line.
    """
    return np.unique(np.quantile(values.to_numpy(dtype=float), np.linspace(0, 1, n_knots)))


class PairProducts(TransformerMixin, BaseEstimator):
    """The product of every pair of columns, each standardised on the training data first."""

    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> PairProducts:
        self.names_ = [str(c) for c in getattr(X, "columns", range(np.shape(X)[1]))]
        X = np.asarray(X, dtype=float)
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        self.pairs_ = list(itertools.combinations(range(X.shape[1]), 2))
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "pairs_")
        z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_
        return np.column_stack([z[:, a] * z[:, b] for a, b in self.pairs_])

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        names = self.names_ if input_features is None else [str(c) for c in input_features]
        return np.asarray([f"{names[a]}×{names[b]}" for a, b in self.pairs_], dtype=object)


class CostSensitiveForest(PipelineRiskModel):
    """Random forest weighting each reoffender ``cost_ratio`` times a non-reoffender.

    HART (Durham) weights the "dangerous" error (forecast low, turned out high) above the
    "cautious" error (forecast high, turned out low); the class weight does that here.
    Its raw scores lean high by design: wrap it in ``CalibratedRiskModel`` for probabilities.
    """

    name = "forest"

    def __init__(self, cost_ratio: float = 2.0, n_estimators: int = 200,
                 min_samples_leaf: int = 20, random_state: int = 0,
                 monotone: dict[str, int] | None = None) -> None:
        self.cost_ratio = cost_ratio
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.monotone = monotone

    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        forest = RandomForestClassifier(
            n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
            class_weight={0: 1.0, 1: float(self.cost_ratio)}, n_jobs=1,
            random_state=self.random_state,
            monotonic_cst=_tree_constraints(self.monotone, X))
        return make_pipeline(encoder(X), forest)


class GradientBoosting(PipelineRiskModel):
    """LightGBM gradient-boosted trees: small trees, slow learning rate, row subsampling.

    ``monotone`` (``{column: +1 or -1}``) is passed to LightGBM as monotone constraints.
    """

    name = "boosting"

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.02,
                 num_leaves: int = 7, min_child_samples: int = 50,
                 random_state: int = 0, monotone: dict[str, int] | None = None) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.monotone = monotone

    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        constraints = _tree_constraints(self.monotone, X)
        extra = {} if constraints is None else {"monotone_constraints": constraints}
        boost = lgb.LGBMClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            num_leaves=self.num_leaves, min_child_samples=self.min_child_samples,
            subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
            random_state=self.random_state, n_jobs=1, verbose=-1, **extra)
        return make_pipeline(encoder(X), boost)


def _tree_constraints(monotone: dict[str, int] | None, X: pd.DataFrame) -> list[int] | None:
    """A tree learner's per-column constraints for ``X`` as ``encoder`` lays it out, or None."""
    if not monotone:
        return None
    check_monotone(monotone, X)
    width = len(encoder(X).fit(X).get_feature_names_out())
    return tree_constraints(monotone, X, width)


class BlendedRiskModel(RiskModel):
    """A weighted average of its members' probabilities (a linear opinion pool).

    ``members`` defaults to penalised logistic and gradient boosting, which capture smooth
    curves and interactions respectively. ``weights``: ``"equal"`` (the default, fixed a
    priori: with members of similar accuracy, equal weights are hard to beat and add no
    estimation noise), ``"cv"`` (the point of a simplex grid with step ``grid_step`` whose
    blend of ``folds``-fold out-of-fold member probabilities has the best AUC on the training
    data; ties go to the point nearest equal weights), or fixed non-negative numbers (scaled
    to sum to one). ``weights_`` holds the weights used; ``member_weights`` names them. The
    blend is a ranking score like any other model: wrap it in ``CalibratedRiskModel``.
    ``monotone`` goes to the default members (a weighted average of monotone curves is monotone);
    given ``members`` keep their own settings.
    """

    name = "blend"

    def __init__(self, members: tuple[RiskModel, ...] | None = None,
                 weights: str | tuple[float, ...] = "equal", grid_step: float = 0.1,
                 folds: int = 5, random_state: int = 0,
                 monotone: dict[str, int] | None = None) -> None:
        self.members = members
        self.weights = weights
        self.grid_step = grid_step
        self.folds = folds
        self.random_state = random_state
        self.monotone = monotone

    def _members(self) -> tuple[RiskModel, ...]:
        if self.members is not None:
            if len(self.members) < 1:
                raise RiskInputError("a blend needs at least one member model")
            return tuple(self.members)
        return (PenalisedLogistic(random_state=self.random_state, monotone=self.monotone),
                GradientBoosting(random_state=self.random_state, monotone=self.monotone))

    def _grid(self, k: int) -> list[np.ndarray]:
        """Weight vectors on the simplex in steps of ``grid_step``, nearest equal first."""
        steps = round(1 / self.grid_step)
        if steps < 1 or not np.isclose(steps * self.grid_step, 1.0):
            raise RiskInputError(f"grid_step {self.grid_step} must divide 1 into whole steps")
        points = [np.array(c, dtype=float) / steps
                  for c in itertools.product(range(steps + 1), repeat=k) if sum(c) == steps]
        return sorted(points, key=lambda w: float(np.sum((w - 1 / k) ** 2)))

    def _choose(self, members: tuple[RiskModel, ...], X: pd.DataFrame,
                y: np.ndarray) -> np.ndarray:
        """The grid weights whose blend of out-of-fold probabilities ranks best."""
        splitter = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        scores = np.empty((len(y), len(members)))
        for train, test in splitter.split(X, y):
            for j, member in enumerate(members):
                fitted = clone(member).fit(X.iloc[train], y[train])
                scores[test, j] = fitted.predict_proba(X.iloc[test])[:, 1]
        best, best_auc = None, -np.inf
        for w in self._grid(len(members)):
            auc = roc_auc_score(y, scores @ w)
            if auc > best_auc + 1e-12:
                best, best_auc = w, auc
        return best

    def _fixed_weights(self, k: int) -> np.ndarray:
        if isinstance(self.weights, str):
            if self.weights == "equal":
                return np.full(k, 1 / k)
            raise RiskInputError(f"unknown blend weights {self.weights!r}; use equal, cv or "
                                 "numbers")
        w = np.asarray(self.weights, dtype=float)
        if w.shape != (k,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise RiskInputError(f"blend weights must be {k} non-negative numbers, not all 0")
        return w / w.sum()

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> BlendedRiskModel:
        X, y = self._start_fit(X, y)
        members = self._members()
        if isinstance(self.weights, str) and self.weights == "cv":
            self.weights_ = self._choose(members, X, y)
        else:
            self.weights_ = self._fixed_weights(len(members))
        self.members_ = [clone(m).fit(X, y) for m in members]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "members_")
        X = self._columns(X)
        p = sum(w * m.predict_proba(X)[:, 1] for w, m in zip(self.weights_, self.members_,
                                                                strict=True))
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    @property
    def member_weights(self) -> dict[str, float]:
        """Each member's weight by model name (``name_2``... if a name repeats)."""
        check_is_fitted(self, "members_")
        out: dict[str, float] = {}
        for member, weight in zip(self.members_, self.weights_, strict=True):
            key, n = member.name, 1
            while key in out:
                n += 1
                key = f"{member.name}_{n}"
            out[key] = float(weight)
        return out

    @property
    def encoded_feature_names(self) -> list[str]:
        check_is_fitted(self, "members_")
        return list(dict.fromkeys(n for m in self.members_ for n in m.encoded_feature_names))


class CalibratedRiskModel(RiskModel):
    """Cross-fitted calibration around any risk model, optionally within groups.

    Each person's raw score comes from a copy of the model fitted without their fold
    (``oof_score_``); a calibrator (isotonic, or Platt's sigmoid) learns to map those
    out-of-fold scores to observed rates, and is then applied to the model refitted on
    everyone. ``method="auto"`` picks isotonic from 1,000 rows and sigmoid below, as isotonic
    overfits small samples. ``oof_probability_`` holds honest cross-validated probabilities for
    the training people: each fold's scores calibrated by calibrators fitted on the other folds.

    ``within`` (opt-in, off by default) names a column of ``X`` — in practice a protected
    attribute — to calibrate within: it is never a model input, only the calibration map
    depends on it (Kleinberg, Mullainathan & Raghavan 2016). Each group with at least
    ``min_group`` training people gets its own map (method chosen by its own size), blended with
    the pooled map with weight ``n / (n + prior_size)`` (partial pooling: small groups lean on
    the pooled map); smaller groups, and values unseen in training, get the pooled map alone.
    Prediction then needs the ``within`` column.
    """

    name = "calibrated"

    def __init__(self, estimator: RiskModel | None = None, method: str = "auto",
                 folds: int = 5, random_state: int = 0, within: str | None = None,
                 min_group: int = 100, prior_size: float = 100.0) -> None:
        self.estimator = estimator
        self.method = method
        self.folds = folds
        self.random_state = random_state
        self.within = within
        self.min_group = min_group
        self.prior_size = prior_size

    def _method_for(self, n: int) -> str:
        if self.method == "auto":
            return "isotonic" if n >= 1000 else "sigmoid"
        return self.method

    def _calibrator(self, scores: np.ndarray, y: np.ndarray) -> IsotonicRegression | _Sigmoid:
        if self._method_for(len(y)) == "isotonic":
            return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y)
        return _Sigmoid().fit(scores, y)

    def _calibration_map(self, scores: np.ndarray, y: np.ndarray,
                         groups: np.ndarray | None) -> _CalibrationMap:
        """The pooled calibrator and, with ``within``, each large enough group's own."""
        own = {}
        if groups is not None:
            for group in np.unique(groups):
                inside = groups == group
                n = int(inside.sum())
                if n >= self.min_group and len(np.unique(y[inside])) == 2:
                    own[str(group)] = (self._calibrator(scores[inside], y[inside]),
                                       n / (n + self.prior_size), n)
        return _CalibrationMap(self._calibrator(scores, y), own)

    def _split_groups(self, X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None]:
        """The model's features and, with ``within``, each person's calibration group."""
        if self.within is None:
            return X, None
        if self.within not in X.columns:
            raise RiskInputError(
                f"this model is calibrated within {self.within!r} (an explicit opt-in recorded "
                f"with it), so the data must include the {self.within!r} column")
        return X.drop(columns=[self.within]), X[self.within].astype(str).to_numpy()

    def fit(self, X: pd.DataFrame, y: np.ndarray,
            progress: Progress | None = None) -> CalibratedRiskModel:
        """Out-of-fold scores, calibrators on them, and the model refitted on everyone.

        ``progress`` hears of each of the ``folds + 1`` fits as it starts.
        """
        if self.method not in ("auto", "isotonic", "sigmoid"):
            raise RiskInputError(f"unknown calibration method {self.method!r}; use isotonic, "
                                 "sigmoid or auto")
        X, groups = self._split_groups(as_frame(X))
        X, y = self._start_fit(X, y)
        self.method_ = self._method_for(len(y))
        base = self.estimator if self.estimator is not None else PenalisedLogistic()
        splitter = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        folds = list(splitter.split(X, y))
        self.oof_score_ = np.empty(len(y))
        for k, (train, test) in enumerate(folds):
            if progress:
                progress(f"fold {k + 1}/{len(folds)}", k, len(folds) + 1)
            fitted = clone(base).fit(X.iloc[train], y[train])
            self.oof_score_[test] = fitted.predict_proba(X.iloc[test])[:, 1]
        self.oof_probability_ = np.empty(len(y))
        for train, test in folds:
            fold_map = self._calibration_map(self.oof_score_[train], y[train],
                                             None if groups is None else groups[train])
            self.oof_probability_[test] = fold_map.predict(
                self.oof_score_[test], None if groups is None else groups[test])
        self.calibrator_ = self._calibration_map(self.oof_score_, y, groups)
        if progress:
            progress("refit on everyone", len(folds), len(folds) + 1)
        self.estimator_ = clone(base).fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "calibrator_")
        X, groups = self._split_groups(as_frame(X))
        scores = self.estimator_.predict_proba(self._columns(X))[:, 1]
        p = np.clip(self.calibrator_.predict(scores, groups), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    @property
    def group_calibration(self) -> dict[str, dict[str, float | int | str]]:
        """Groups with their own map: training people, method, weight against the pooled map."""
        check_is_fitted(self, "calibrator_")
        return {g: {"n": n, "method": self._method_for(n), "weight": w}
                for g, (_, w, n) in self.calibrator_.own.items()}

    @property
    def encoded_feature_names(self) -> list[str]:
        check_is_fitted(self, "estimator_")
        return self.estimator_.encoded_feature_names


class _CalibrationMap:
    """A pooled calibrator, plus per-group calibrators (with weight and training people)."""

    def __init__(self, pooled: IsotonicRegression | _Sigmoid,
                 own: dict[str, tuple[IsotonicRegression | _Sigmoid, float, int]]) -> None:
        self.pooled = pooled
        self.own = own

    def predict(self, scores: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
        p = self.pooled.predict(scores)
        if groups is None:
            return p
        for group, (calibrator, weight, _) in self.own.items():
            inside = groups == group
            if inside.any():
                p[inside] = weight * calibrator.predict(scores[inside]) \
                    + (1 - weight) * p[inside]
        return p


class _Sigmoid:
    """Platt scaling: a one-feature logistic regression on the log-odds of the raw score."""

    def fit(self, scores: np.ndarray, y: np.ndarray) -> _Sigmoid:
        self.model_ = LogisticRegression(C=np.inf).fit(_logit(scores), y)
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(_logit(scores))[:, 1]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).reshape(-1, 1)


#: Model names accepted by ``--model`` (``auto`` picks one of them by cross-validation).
MODELS: dict[str, type[RiskModel]] = {
    m.name: m for m in (LogisticBaseline, PenalisedLogistic, CostSensitiveForest,
                        GradientBoosting, BlendedRiskModel)
}


def make_model(name: str, *, cost_ratio: float = 2.0, random_state: int = 0,
               monotone: dict[str, int] | None = None) -> RiskModel:
    """An unfitted model by name; the forest gets the cost ratio as its class weight.

    ``monotone`` constraints apply to every model but the plain baseline, which refuses them.
    """
    if name not in MODELS:
        raise RiskInputError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}, auto")
    if name == "baseline":
        if monotone:
            raise RiskInputError("the baseline is a plain linear model and takes no monotone "
                                 "constraints; use logistic, forest, boosting, blend or auto")
        return LogisticBaseline()
    if name == "forest":
        return CostSensitiveForest(cost_ratio=cost_ratio, random_state=random_state,
                                   monotone=monotone or None)
    return MODELS[name](random_state=random_state, monotone=monotone or None)
