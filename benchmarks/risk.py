"""Risk benchmark: COMPAS two-year recidivism, the seven Dressel & Farid features, 5-fold CV.

Run from the repository root: ``.venv/bin/python benchmarks/risk.py``. Needs the shared file
../shared/data/compas/compas-scores-two-years.csv (absent from a fresh clone: the benchmark
says so and stops). On the same outer folds it compares the COMPAS decile score, the
two-feature baseline (age, prior count) and each calibrated crimeplan model, plus ``auto``:
the model chosen by inner cross-validation on each training fold only (nested, so nothing is
tuned to a test split). Calibration and error balance are reported within each race group.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from crimeplan.risk.bands import BandThresholds, CostRatio
from crimeplan.risk.data import read_risk_table
from crimeplan.risk.evaluation import auc_or_nan, by_group, expected_calibration_error
from crimeplan.risk.models import CalibratedRiskModel, LogisticBaseline, make_model
from crimeplan.risk.training import AUTO_CANDIDATES, select_model

ROOT = Path(__file__).resolve().parents[1]
COMPAS = ROOT.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
FEATURES = ["age", "sex", "juv_fel_count", "juv_misd_count", "juv_other_count",
            "priors_count", "c_charge_degree"]
BASELINE = ["age", "priors_count"]
FOLDS = 5
SEED = 0
#: Flag at p ≥ 0.5 (cost ratio 1:1) for the error rates, as COMPAS is read at decile ≥ 5.
EVEN = BandThresholds.from_cost_ratio(CostRatio(1.0, 1.0))


def main() -> int:
    if not COMPAS.is_file():
        print(f"risk benchmark skipped: {COMPAS} not found (shared data is not in a fresh clone)")
        return 0
    started = time.perf_counter()
    data = read_risk_table(COMPAS, features=FEATURES, target="two_year_recid",
                           protected=["race", "sex"])
    decile = pd.read_csv(COMPAS, usecols=["decile_score"])["decile_score"].to_numpy(float)
    X, y, race = data.features, data.target, data.protected[["race"]]
    print(f"COMPAS: {len(y):,} people, base rate {y.mean():.3f}; features {', '.join(FEATURES)}")
    names = ["compas_decile", "baseline_2", *AUTO_CANDIDATES, "auto"]
    oof = {n: np.empty(len(y)) for n in names}
    fold_auc: dict[str, list[float]] = {n: [] for n in names}
    chosen = []
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for k, (train, test) in enumerate(splitter.split(X, y), start=1):
        xt, yt, xs = X.iloc[train], y[train], X.iloc[test]
        oof["compas_decile"][test] = decile[test] / 10.0
        base = LogisticBaseline().fit(xt[BASELINE], yt)
        oof["baseline_2"][test] = base.predict_proba(xs[BASELINE])[:, 1]
        for name in AUTO_CANDIDATES:
            model = CalibratedRiskModel(make_model(name, random_state=SEED), random_state=SEED)
            oof[name][test] = model.fit(xt, yt).predict_proba(xs)[:, 1]
        best, _ = select_model(xt, yt, AUTO_CANDIDATES, CostRatio(2.0, 1.0), FOLDS, SEED)
        chosen.append(best)
        oof["auto"][test] = oof[best][test]
        for name in names:
            fold_auc[name].append(auc_or_nan(y[test], oof[name][test]))
        aucs = ", ".join(f"{n} {fold_auc[n][-1]:.3f}" for n in names)
        print(f"fold {k}: auto chose {best}; {aucs}  [{time.perf_counter() - started:.0f} s]")

    print("\nAUC over the 5 outer folds (mean ± sd; pooled out-of-fold in brackets)")
    for name in names:
        a = np.array(fold_auc[name])
        pooled = auc_or_nan(y, oof[name])
        print(f"  {name:14s} {a.mean():.4f} ± {a.std(ddof=1):.4f}  [{pooled:.4f}]")
    gain = np.mean(fold_auc["auto"]) - np.mean(fold_auc["compas_decile"])
    print(f"auto − COMPAS decile: {gain:+.4f} (target ≥ +0.03: "
          f"{'met' if gain >= 0.03 else 'NOT met'})")

    print("\nCalibration (ECE, 10 equal-width bins) of the auto model, pooled out-of-fold")
    print(f"  everyone: {expected_calibration_error(y, oof['auto']):.4f}")
    groups = by_group(y, oof["auto"], race, EVEN)
    compas_groups = by_group(y, oof["compas_decile"], race, EVEN)  # decile/10 ≥ 0.5: decile ≥ 5
    table = groups[["group", "n", "base_rate", "mean_predicted", "ece", "ece_noise_floor", "auc",
                    "fpr", "fnr"]]
    table = table.assign(compas_fpr=compas_groups["fpr"].to_numpy(),
                         compas_fnr=compas_groups["fnr"].to_numpy())
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    big = groups[groups["n"] >= 300]
    worst = big["ece"].max()
    print(f"largest ECE among race groups with n ≥ 300: {worst:.4f} (target < 0.03: "
          f"{'met' if worst < 0.03 else 'NOT met'}); all groups: {groups['ece'].max():.4f}")
    print(f"\nauto chose: {', '.join(chosen)}")
    print(f"{platform.machine()} {platform.processor() or ''} Python {sys.version.split()[0]}, "
          f"{dt.date.today()}, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
