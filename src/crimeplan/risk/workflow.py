"""File-to-file risk workflows behind ``crimeplan risk fit | predict | evaluate``.

Each reads CSVs by the column names it is given, does the work with the library and writes
its outputs, returning a result object the CLI prints and records in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from crimeplan.csvsafe import write_csv
from crimeplan.risk.bands import BANDS, CostRatio
from crimeplan.risk.data import (
    RiskData,
    check_calibration_group,
    check_protected_features,
    read_risk_table,
)
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.evaluation import Evaluation, evaluate
from crimeplan.risk.explain import contributions, global_importance, reasons
from crimeplan.risk.modeldir import ModelCard, SavedModel, load_model, save_model
from crimeplan.risk.monotone import shown
from crimeplan.risk.progress import Progress, Steps
from crimeplan.risk.report import evaluation_report
from crimeplan.risk.training import fit_risk_model

METRICS_FORMAT = "crimeplan-risk-metrics"
METRICS_VERSION = 1


@dataclass(frozen=True)
class FitResult:
    """A saved model: its folder, card and the files written."""

    folder: Path
    card: ModelCard
    files: list[Path]


def fit_csv(train: Path, out: Path, *, target: str, features: Sequence[str],
            protected: Sequence[str] = (), id_column: str | None = None,
            cost: CostRatio | None = None, model: str = "auto", calibration: str = "auto",
            allow_protected_as_feature: bool = False, calibrate_within: str | None = None,
            allow_protected_in_calibration: bool = False, folds: int = 5, seed: int = 0,
            code_version: str | None = None, monotone: dict[str, int] | None = None,
            progress: Progress | None = None) -> FitResult:
    """Fit, calibrate and save a model from a training CSV.

    ``calibrate_within`` names a protected attribute to calibrate within (opt-in: needs
    ``allow_protected_in_calibration``; recorded in the card as ``protected_used_in_calibration``).
    ``monotone`` (``{column: +1 or -1}``) constrains risk to rise or fall with those features
    (recorded in the card with the check of the fitted model). ``progress`` hears of each fit
    (see ``fit_risk_model``).
    """
    cost = cost or CostRatio(2.0, 1.0)
    used = check_protected_features(features, protected, allow_protected_as_feature)
    in_calibration = check_calibration_group(calibrate_within, features, protected,
                                             allow_protected_in_calibration)
    data = read_risk_table(train, features=features, target=target, protected=protected,
                           id_column=id_column)
    groups = data.protected[calibrate_within] if calibrate_within else None
    fitted = fit_risk_model(data.features, data.target, model=model, cost=cost,
                            calibration=calibration, folds=folds, seed=seed,
                            calibrate_within=groups, monotone=monotone, progress=progress)
    calibrated = fitted.model
    card = ModelCard(
        model=fitted.model_name, target=target, features=list(features),
        categorical_features=data.categorical_features,
        encoded_features=fitted.model.encoded_feature_names, id_column=id_column,
        protected=list(protected), protected_as_feature=bool(used),
        protected_features_used=used, protected_used_in_calibration=in_calibration,
        cost_ratio=str(cost), bands=asdict(fitted.thresholds),
        calibration={"method": calibrated.method_, "folds": folds,
                     "kind": "cross-fitted: out-of-fold scores, calibration map(s) applied to "
                             "the model refitted on everyone",
                     "within": calibrate_within, "min_group": calibrated.min_group,
                     "prior_size": calibrated.prior_size,
                     "groups": calibrated.group_calibration},
        training_data={"file": str(train), "sha256": data.sha256, "rows": data.rows,
                       "base_rate": float(data.target.mean())},
        cv_metrics={"folds": folds, **_plain(asdict(fitted.cv_metrics))},
        model_selection_auc=fitted.selection_auc,
        reference_values=fitted.reference,
        global_importance=[asdict(i) for i in fitted.importance],
        blend_weights=getattr(calibrated.estimator_, "member_weights", {}),
        monotone=shown(fitted.monotone), monotone_check=fitted.monotone_check,
    )
    if code_version:
        card.code_version = code_version
    card_path = save_model(out, fitted.model, card)
    return FitResult(folder=Path(out), card=card, files=[Path(out) / card.model_file, card_path])


@dataclass(frozen=True)
class PredictResult:
    """Predictions written for a batch of people."""

    out: Path
    rows: int
    band_counts: dict[str, int]


def predict_csv(model_dir: Path, data_path: Path, out: Path, top: int = 3,
                progress: Progress | None = None) -> PredictResult:
    """Write id, probability, band and top reasons for each person in ``data_path``."""
    steps = Steps(progress, 4)
    steps.start("reading the model and the people")
    saved = load_model(model_dir)
    card = saved.card
    needed = _calibration_column(card)
    data = read_risk_table(data_path, features=card.features, id_column=card.id_column,
                           protected=list(needed), needed_because=needed)
    X = _model_input(card, data)
    steps.start(f"scoring {data.rows:,} people")
    p = saved.model.predict_proba(X)[:, 1]
    steps.start("explaining: reasons for each person")
    contrib = contributions(saved.model, X, card.reference_values)
    frame = pd.DataFrame({
        card.id_column or "line": data.ids.to_numpy(),
        "probability": p.round(4),
        "band": card.thresholds.assign(p),
        "reasons": reasons(data.features, contrib, card.reference_values, top=top),
    })
    steps.start(f"writing {out}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    steps.finish("predicted")
    counts = frame["band"].value_counts()
    return PredictResult(out=out, rows=len(frame),
                         band_counts={b: int(counts.get(b, 0)) for b in BANDS})


@dataclass(frozen=True)
class EvaluateResult:
    """An evaluation written as ``metrics.json`` and ``report.html``."""

    metrics_path: Path
    report_path: Path
    evaluation: Evaluation
    metrics: dict


def evaluate_csv(model_dir: Path, data_path: Path, out: Path, *, target: str,
                 protected: Sequence[str] = (),
                 progress: Progress | None = None) -> EvaluateResult:
    """Evaluate a saved model on labelled data, overall and by protected group."""
    steps = Steps(progress, 5)
    steps.start("reading the model and the people")
    saved = load_model(model_dir)
    card = saved.card
    if not protected:
        protected = card.protected
    needed = _calibration_column(card)
    data = read_risk_table(data_path, features=card.features, target=target,
                           protected=list(dict.fromkeys([*protected, *needed])), id_column=None,
                           require_two_classes=False, needed_because=needed)
    if data.target is None:
        raise RiskInputError(f"{data_path}: no target column given")
    same_as_training = data.sha256 == card.training_data.get("sha256")
    X = _model_input(card, data)
    steps.start(f"scoring {data.rows:,} people")
    p = saved.model.predict_proba(X)[:, 1]
    steps.start("measuring accuracy, calibration and error balance by group")
    evaluation = evaluate(data.target, p, data.protected[list(protected)], card.thresholds)
    steps.start("explaining: global importance")
    importance = global_importance(contributions(
        saved.model, X.sample(min(data.rows, 2000), random_state=0), card.reference_values))
    metrics = {
        "format": METRICS_FORMAT,
        "format_version": METRICS_VERSION,
        "model": _model_summary(saved),
        "data": {"file": str(data_path), "sha256": data.sha256, "rows": data.rows,
                 "target": target, "same_as_training": same_as_training},
        "protected_attributes": list(protected),
        **evaluation.to_dict(),
        "global_importance": [asdict(i) for i in importance],
    }
    steps.start("writing metrics.json and report.html")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    report_path = out / "report.html"
    report_path.write_text(evaluation_report(card, evaluation, f"{data_path} ({data.rows:,} "
                                             "people)", importance, same_as_training),
                           encoding="utf-8")
    steps.finish("evaluated")
    return EvaluateResult(metrics_path=metrics_path, report_path=report_path,
                          evaluation=evaluation, metrics=metrics)


def _calibration_column(card: ModelCard) -> dict[str, str]:
    """The column a model is calibrated within, with why it is needed (empty if none)."""
    within = card.calibration.get("within")
    if not within:
        return {}
    return {within: f"this model was calibrated within {within!r} (an explicit opt-in recorded "
                    f"in its card), so the data must include that column"}


def _model_input(card: ModelCard, data: RiskData) -> pd.DataFrame:
    """The model's features plus, for a model calibrated within groups, the group column."""
    within = card.calibration.get("within")
    if not within:
        return data.features
    return data.features.assign(**{within: data.protected[within].to_numpy()})


def _model_summary(saved: SavedModel) -> dict:
    card = saved.card
    return {"folder": str(saved.folder), "model": card.model, "target": card.target,
            "features": card.features, "protected_as_feature": card.protected_as_feature,
            "protected_features_used": card.protected_features_used,
            "protected_used_in_calibration": card.protected_used_in_calibration,
            "cost_ratio": card.cost_ratio, "calibration": card.calibration,
            "monotone": card.monotone, "model_sha256": card.model_sha256}


def _plain(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}
