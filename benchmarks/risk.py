"""Risk benchmark: COMPAS two-year recidivism, seven Dressel & Farid features, repeated 5-fold CV.

Run from the repository root: ``.venv/bin/python benchmarks/risk.py [--repeats 3]``. Needs the
shared file ../shared/data/compas/compas-scores-two-years.csv (absent from a fresh clone: the
benchmark says so and stops). On the same outer folds it compares the COMPAS decile score, the
two-feature baseline (age, prior count) and each calibrated crimeplan model (``blend``: the
equal-weight average of penalised logistic and boosting; ``blend_cv``: the same with its weight
chosen by inner CV, not an ``auto`` candidate; ``logistic_pairs``: penalised logistic that may
add pairwise products such as age × priors if inner CV prefers them, not an ``auto``
candidate either), plus ``auto``: the model chosen by inner
cross-validation on each training fold only, ``auto_monotone``: the same choice with every
candidate held to monotone constraints fixed a priori (``MONOTONE``), and the one-page points
``scorecard`` (at most 7 items), plain and held to the same constraints. Every hyperparameter is
either chosen inside the training fold (the spline knots and penalty, auto's choice, the
calibration maps) or fixed a priori, so nothing is tuned to a test split. The 5-fold CV is
repeated with different fold seeds; the gain over COMPAS gets a fold-wise (Nadeau–Bengio
corrected) interval and a paired bootstrap interval over people. Calibration and error balance
are reported within each race group for the default race-blind model and for the opt-in
calibration within race (race never a model input in either). Calibration of auto and the
scorecards is then measured on pooled out-of-fold predictions for everyone and each race and
sex group, judged against ECE < 0.03 only in groups of at least 1,000 people (smaller groups
get their noise floor), and the scorecards fitted on everyone are printed as their cards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.comparison import corrected_fold_interval, paired_auc_gain
from crimeplan.risk.data import read_risk_table
from crimeplan.risk.evaluation import (
    GroupMetrics,
    auc_or_nan,
    by_group,
    ece_verdict,
    expected_calibration_error,
    group_metrics,
)
from crimeplan.risk.models import (
    BlendedRiskModel,
    CalibratedRiskModel,
    LogisticBaseline,
    PenalisedLogistic,
    make_model,
)
from crimeplan.risk.monotone import largest_reversal
from crimeplan.risk.scorecard import render_card, scorecard_card
from crimeplan.risk.training import AUTO_CANDIDATES

ROOT = Path(__file__).resolve().parents[1]
COMPAS = ROOT.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
FEATURES = ["age", "sex", "juv_fel_count", "juv_misd_count", "juv_other_count",
            "priors_count", "c_charge_degree"]
BASELINE = ["age", "priors_count"]
FOLDS = 5
#: Seed of the models' own inner cross-validation (the outer folds use seeds 0, 1, ...).
SEED = 0
#: Flag at p ≥ 0.5 (cost ratio 1:1) for the error rates, as COMPAS is read at decile ≥ 5.
EVEN = BandThresholds.from_cost_ratio(CostRatio(1.0, 1.0))
#: Directions for ``auto_monotone``, fixed a priori from criminology (risk falls with age over
#: the adult ages in the file, the age-crime curve; rises with prior and juvenile records).
MONOTONE = {"age": -1, "priors_count": 1, "juv_fel_count": 1, "juv_misd_count": 1,
            "juv_other_count": 1}
NAMES = ["compas_decile", "baseline_2", *AUTO_CANDIDATES, "blend_cv", "logistic_pairs", "auto",
         "auto_monotone", "auto_within_race", "scorecard", "scorecard_monotone"]
#: The models the issue's targets need (``--core``): auto, its candidates and the scorecards.
CORE = ["compas_decile", "baseline_2", *AUTO_CANDIDATES, "auto", "scorecard",
        "scorecard_monotone"]
#: Models whose AUC gain over the COMPAS decile score gets intervals.
COMPARED = ("auto", "auto_monotone", "blend", "blend_cv", "logistic_pairs", "scorecard",
            "scorecard_monotone")
#: The scorecards, with their monotone constraints.
SCORECARDS = {"scorecard": None, "scorecard_monotone": MONOTONE}
#: What a scorecard's AUC is compared with: every other crimeplan model.
REFERENCES = [n for n in NAMES if n not in ("compas_decile", *SCORECARDS)]
#: The scorecard's AUC target: within this of crimeplan's best model.
SCORECARD_GAP = 0.005


def run_repeat(X: pd.DataFrame, y: np.ndarray, race: pd.Series, decile: np.ndarray,
               seed: int, started: float, extras: bool = True
               ) -> tuple[dict[str, np.ndarray], dict[str, list[float]]]:
    """Pooled out-of-fold probabilities and per-fold AUCs of every model for one fold seed.

    In each seed's first fold it also prints the largest wrong-way change in probability
    (``largest_reversal`` over the test fold) of auto and auto_monotone along ``MONOTONE``.
    Without ``extras`` only the ``CORE`` models are fitted.
    """
    names = NAMES if extras else CORE
    oof = {n: np.empty(len(y)) for n in names}
    fold_auc: dict[str, list[float]] = {n: [] for n in names}
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(splitter.split(X, y), start=1):
        xt, yt, xs = X.iloc[train], y[train], X.iloc[test]
        oof["compas_decile"][test] = decile[test] / 10.0
        base = LogisticBaseline().fit(xt[BASELINE], yt)
        oof["baseline_2"][test] = base.predict_proba(xs[BASELINE])[:, 1]
        fitted = {}
        for name in AUTO_CANDIDATES:
            fitted[name] = CalibratedRiskModel(make_model(name, random_state=SEED),
                                               random_state=SEED).fit(xt, yt)
            oof[name][test] = fitted[name].predict_proba(xs)[:, 1]
        # auto's choice: best inner-CV AUC of the raw out-of-fold scores on the training fold,
        # exactly what training.select_model computes (same folds and seed; a test checks it)
        best = max(AUTO_CANDIDATES, key=lambda n: auc_or_nan(yt, fitted[n].oof_score_))
        oof["auto"][test] = oof[best][test]
        for label, constraints in SCORECARDS.items():
            card = CalibratedRiskModel(make_model("scorecard", random_state=SEED,
                                                  monotone=constraints),
                                       random_state=SEED).fit(xt, yt)
            oof[label][test] = card.predict_proba(xs)[:, 1]
        note = f"auto chose {best}"
        checked = {"auto": fitted[best]}
        if extras:
            by_cv = CalibratedRiskModel(BlendedRiskModel(weights="cv", random_state=SEED),
                                        random_state=SEED).fit(xt, yt)
            oof["blend_cv"][test] = by_cv.predict_proba(xs)[:, 1]
            pairs = CalibratedRiskModel(PenalisedLogistic(interactions=(False, True),
                                                          random_state=SEED),
                                        random_state=SEED).fit(xt, yt)
            oof["logistic_pairs"][test] = pairs.predict_proba(xs)[:, 1]
            # auto again with every candidate under the a-priori monotone constraints
            bounded = {name: CalibratedRiskModel(make_model(name, random_state=SEED,
                                                            monotone=MONOTONE),
                                                 random_state=SEED).fit(xt, yt)
                       for name in AUTO_CANDIDATES}
            best_m = max(AUTO_CANDIDATES, key=lambda n: auc_or_nan(yt, bounded[n].oof_score_))
            oof["auto_monotone"][test] = bounded[best_m].predict_proba(xs)[:, 1]
            checked["auto_monotone"] = bounded[best_m]
            within = CalibratedRiskModel(make_model(best, random_state=SEED),
                                         random_state=SEED, within="race")
            within.fit(xt.assign(race=race.iloc[train].to_numpy()), yt)
            oof["auto_within_race"][test] = within.predict_proba(
                xs.assign(race=race.iloc[test].to_numpy()))[:, 1]
            weights = "/".join(f"{w:.1f}" for w in by_cv.estimator_.weights_)
            note += (f", auto_monotone {best_m}; blend_cv weights {weights}; "
                     f"pairs {'in' if pairs.estimator_.interactions_ else 'out'}")
        if k == 1:
            for label, model in checked.items():
                worst = largest_reversal(model, xs, MONOTONE, seed=SEED)
                print(f"seed {seed} fold 1: {label} largest wrong-way change "
                      + ", ".join(f"{c} {v:.3f}" for c, v in worst.items()), flush=True)
        for name in names:
            fold_auc[name].append(auc_or_nan(y[test], oof[name][test]))
        aucs = ", ".join(f"{n} {fold_auc[n][-1]:.3f}" for n in names)
        print(f"seed {seed} fold {k}: {note}; {aucs}  "
              f"[{time.perf_counter() - started:.0f} s]", flush=True)
    return oof, fold_auc


def race_table(y: np.ndarray, p: np.ndarray, compas: np.ndarray,
               race: pd.DataFrame) -> pd.DataFrame:
    """Calibration and error balance by race, with COMPAS's error rates at decile ≥ 5."""
    groups = by_group(y, p, race, EVEN)
    compas_groups = by_group(y, compas, race, EVEN)  # decile/10 ≥ 0.5: decile ≥ 5
    table = groups[["group", "n", "base_rate", "mean_predicted", "ece", "ece_ci_low",
                    "ece_ci_high", "ece_noise_floor", "ece_debiased", "ece_debiased_ci_low",
                    "ece_debiased_ci_high", "calibration_in_the_large",
                    "calibration_in_the_large_se", "fpr", "fnr"]]
    table = table.assign(compas_fpr=compas_groups["fpr"].to_numpy(),
                         compas_fnr=compas_groups["fnr"].to_numpy())
    return table.sort_values("n", ascending=False).reset_index(drop=True)


def calibration_rows(y: np.ndarray, p: np.ndarray,
                     groups: pd.DataFrame) -> list[tuple[str, GroupMetrics]]:
    """Calibration figures for everyone and for each group of each attribute."""
    rows = [("everyone", group_metrics(y, p, EVEN))]
    fields = list(GroupMetrics.__dataclass_fields__)
    for row in by_group(y, p, groups, EVEN).to_dict(orient="records"):
        rows.append((f"{row['attribute']} {row['group']}",
                     GroupMetrics(**{f: row[f] for f in fields})))
    return rows


def calibration_report(y: np.ndarray, p: np.ndarray, groups: pd.DataFrame) -> str:
    """Plug-in ECE (10 equal-width bins), noise floor, debiased error [95 %], CITL, verdict."""
    lines = [f"  {'group':26s} {'n':>5s}  ECE    floor  debiased [95 %]         CITL ± se"
             "          verdict (ECE < 0.03)"]
    for label, m in calibration_rows(y, p, groups):
        lines.append(f"  {label:26s} {m.n:5d}  {m.ece:.3f}  {m.ece_noise_floor:.3f}  "
                     f"{m.ece_debiased:+.3f} [{m.ece_debiased_ci_low:+.3f}, "
                     f"{m.ece_debiased_ci_high:+.3f}]  {m.calibration_in_the_large:+.3f} ± "
                     f"{m.calibration_in_the_large_se:.3f}   {ece_verdict(m)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="5-fold CV repeats, fold seeds 0, 1, ... (default 3)")
    parser.add_argument("--compas", type=Path, default=COMPAS,
                        help=f"the COMPAS file (default {COMPAS})")
    parser.add_argument("--core", action="store_true",
                        help="only COMPAS, the baseline, auto with its candidates and the "
                        "scorecards (leaves out blend_cv, logistic_pairs, auto_monotone and "
                        "calibration within race)")
    args = parser.parse_args()
    if not args.compas.is_file():
        print(f"risk benchmark skipped: {args.compas} not found (shared data is not in a "
              "fresh clone; give --compas PATH)")
        return 0
    started = time.perf_counter()
    data = read_risk_table(args.compas, features=FEATURES, target="two_year_recid",
                           protected=["race", "sex"])
    decile = pd.read_csv(args.compas, usecols=["decile_score"])["decile_score"].to_numpy(float)
    X, y, race = data.features, data.target, data.protected[["race"]]
    print(f"COMPAS: {len(y):,} people, base rate {y.mean():.3f}; features {', '.join(FEATURES)}; "
          f"{args.repeats} × {FOLDS}-fold CV", flush=True)
    runs = [run_repeat(X, y, race["race"], decile, seed, started, extras=not args.core)
            for seed in range(args.repeats)]
    names = list(runs[0][0])

    print(f"\nAUC over the {args.repeats * FOLDS} outer folds (mean ± sd); pooled out-of-fold "
          "AUC per repeat in brackets")
    for name in names:
        a = np.concatenate([r[1][name] for r in runs])
        pooled = ", ".join(f"{auc_or_nan(y, r[0][name]):.4f}" for r in runs)
        print(f"  {name:17s} {a.mean():.4f} ± {a.std(ddof=1):.4f}  [{pooled}]")

    for model in (m for m in COMPARED if m in names):
        print(f"\n{model} − COMPAS decile (AUC)")
        differences = np.concatenate([np.subtract(r[1][model], r[1]["compas_decile"])
                                      for r in runs])
        if len(differences) >= 2:
            fold = corrected_fold_interval(differences, test_fraction=1 / FOLDS)
            print(f"  fold-wise: {fold.estimate:+.4f} (sd {differences.std(ddof=1):.4f}); 95% "
                  f"Nadeau–Bengio corrected interval [{fold.low:+.4f}, {fold.high:+.4f}]")
        for seed, (oof, _) in enumerate(runs):
            gain = paired_auc_gain(y, oof[model], oof["compas_decile"])
            print(f"  pooled, fold seed {seed}: {gain.estimate:+.4f}; paired bootstrap over "
                  f"people 95% [{gain.low:+.4f}, {gain.high:+.4f}]")
        gain = differences.mean()
        print(f"  target ≥ +0.03: mean gain {gain:+.4f} — {'met' if gain >= 0.03 else 'NOT met'}"
              " as a point estimate (see the intervals)")
    against_baseline = np.concatenate([np.subtract(r[1]["auto"], r[1]["baseline_2"])
                                       for r in runs])
    print(f"  (auto − two-feature baseline: {against_baseline.mean():+.4f})")

    pd.set_option("display.width", 200)
    for variant, label in (("auto", "default, race-blind calibration"),
                           ("auto_within_race", "opt-in calibration within race")):
        if variant not in names:
            continue
        oof = runs[0][0]
        print(f"\nBy race, {label} (fold seed 0, pooled out-of-fold; flag at p ≥ 0.5, COMPAS at "
              f"decile ≥ 5). Everyone: ECE {expected_calibration_error(y, oof[variant]):.4f}")
        table = race_table(y, oof[variant], oof["compas_decile"], race)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    def mean_auc(name: str) -> float:
        return float(np.mean([a for r in runs for a in r[1][name]]))

    best = max((n for n in REFERENCES if n in names), key=mean_auc)
    best_auc = mean_auc(best)
    for label in SCORECARDS:
        auc = mean_auc(label)
        pooled = [auc_or_nan(y, r[0][label]) - auc_or_nan(y, r[0][best]) for r in runs]
        print(f"\n{label}: AUC {auc:.4f} against crimeplan's best, {best} {best_auc:.4f}: gap "
              f"{best_auc - auc:.4f} (pooled per fold seed: "
              + ", ".join(f"{-g:.4f}" for g in pooled)
              + f"); target within {SCORECARD_GAP}: "
              + ("met" if best_auc - auc <= SCORECARD_GAP else "NOT met"))

    groups = data.protected[["race", "sex"]]
    for variant in ("auto", *SCORECARDS):
        for seed, (oof, _) in enumerate(runs):
            print(f"\nCalibration of {variant}, pooled out-of-fold predictions of fold seed {seed}")
            print(calibration_report(y, oof[variant], groups))

    for label, constraints in SCORECARDS.items():
        model = CalibratedRiskModel(make_model("scorecard", random_state=SEED,
                                               monotone=constraints),
                                    random_state=SEED).fit(X, y)
        print(f"\n{label} fitted on everyone:\n")
        print(render_card(scorecard_card(model, EVEN), title=f"COMPAS {label} (two_year_recid)"))

    print(f"\n{platform.machine()} {platform.processor() or ''} Python "
          f"{sys.version.split()[0]}, {dt.date.today()}, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
