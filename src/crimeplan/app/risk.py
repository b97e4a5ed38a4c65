"""Use cases of individual risk triage: fitting a calibrated model, scoring and evaluating people
with it, printing its card and writing synthetic custody records.

Every run records the files it read and wrote with their SHA-256 (the training file, the model
folder, the people scored) and what it found (the model's cross-validated metrics and bands, the
band counts, the evaluation by group). Bad input (a missing column, a tampered model folder, a
cost ratio that is not FN:FP) is recorded as a failed run and raised as ``BadInput`` naming the
file, row and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.csvsafe import write_csv
from crimeplan.provenance.runs import RunRecorder, code_version
from crimeplan.risk.bands import CostRatio
from crimeplan.risk.errors import RiskInputError
from crimeplan.risk.modeldir import ModelCard, load_model
from crimeplan.risk.monotone import parse_monotone
from crimeplan.risk.progress import Progress
from crimeplan.risk.synthetic import custody_records
from crimeplan.risk.workflow import (
    EvaluateResult,
    FitResult,
    PredictResult,
    evaluate_csv,
    fit_csv,
    predict_csv,
)


@dataclass(frozen=True)
class FitSpec:
    """What to fit, as the caller wrote it: the outcome and feature columns, who is protected,
    the model family, calibration, cost ratio (``FN:FP``) and monotone directions
    (``COLUMN:+,COLUMN:-``), with the opt-ins for protected attributes."""

    target: str
    features: list[str]
    id_column: str | None = None
    protected: list[str] = field(default_factory=list)
    cost_ratio: str = "2:1"
    model: str = "auto"
    calibration: str = "auto"
    allow_protected_as_feature: bool = False
    calibrate_within: str | None = None
    allow_protected_in_calibration: bool = False
    monotone: str = ""
    folds: int = 5
    seed: int = 0

    def parameters(self) -> dict[str, Any]:
        return {"target": self.target, "features": self.features, "id": self.id_column,
                "protected": self.protected, "cost_ratio": self.cost_ratio,
                "model": self.model, "calibration": self.calibration,
                "allow_protected_as_feature": self.allow_protected_as_feature,
                "calibrate_within": self.calibrate_within,
                "allow_protected_in_calibration": self.allow_protected_in_calibration,
                "monotone": self.monotone, "folds": self.folds, "seed": self.seed}


@dataclass(frozen=True)
class Fitted:
    """A recorded fit: its run id and the saved model."""

    run_id: str
    result: FitResult


@dataclass(frozen=True)
class Predicted:
    """A recorded scoring of people: its run id and what was written."""

    run_id: str
    result: PredictResult


@dataclass(frozen=True)
class Evaluated:
    """A recorded evaluation: its run id and the metrics and report written."""

    run_id: str
    result: EvaluateResult


@dataclass(frozen=True)
class Card:
    """A model's card, as read for printing, and the run that recorded the reading."""

    run_id: str
    card: ModelCard


@use_case("risk.fit", run_kind="risk.fit")
def fit(actor: Actor, home: Path, train: Path, out: Path, spec: FitSpec, *,
        progress: Progress | None = None) -> Fitted:
    """Fit a calibrated risk model on ``train`` and save it with its model card in ``out``;
    the record holds the card's metrics, bands, protected-attribute use, monotone check and,
    for a scorecard, its points tables."""
    with bad_input(RiskInputError, OSError), RunRecorder(
            home, "risk.fit", actor, parameters={**spec.parameters(), "out": str(out)}) as run:
        run.add_input(train)
        result = fit_csv(train, out, target=spec.target, features=spec.features,
                         protected=spec.protected, id_column=spec.id_column,
                         cost=CostRatio.parse(spec.cost_ratio), model=spec.model,
                         calibration=spec.calibration,
                         allow_protected_as_feature=spec.allow_protected_as_feature,
                         calibrate_within=spec.calibrate_within,
                         allow_protected_in_calibration=spec.allow_protected_in_calibration,
                         folds=spec.folds, seed=spec.seed, code_version=code_version(),
                         monotone=parse_monotone(spec.monotone), progress=progress)
        card = result.card
        for path in result.files:
            run.add_output(path)
        run.set_result("model", card.model)
        run.set_result("protected_as_feature", card.protected_as_feature)
        run.set_result("protected_features_used", card.protected_features_used)
        run.set_result("protected_used_in_calibration", card.protected_used_in_calibration)
        run.set_result("cv_metrics", card.cv_metrics)
        run.set_result("bands", card.bands)
        if card.monotone:
            run.set_result("monotone", card.monotone)
            run.set_result("monotone_check", card.monotone_check)
        if card.scorecard:
            run.set_result("scorecard", card.scorecard)
    return Fitted(run.run_id, result)


@use_case("risk.predict", run_kind="risk.predict")
def predict(actor: Actor, home: Path, model_dir: Path, people: Path, out: Path, *,
            top: int = 3, progress: Progress | None = None) -> Predicted:
    """Write each person's probability, band and top ``top`` reasons to ``out``."""
    with bad_input(RiskInputError, OSError), RunRecorder(
            home, "risk.predict", actor,
            parameters={"model_dir": str(model_dir), "top": top, "out": str(out)}) as run:
        run.add_input(model_dir, role="model")
        run.add_input(people, role="people")
        result = predict_csv(model_dir, people, out, top=top, progress=progress)
        run.add_output(result.out)
        run.set_result("rows", result.rows)
        run.set_result("band_counts", result.band_counts)
    return Predicted(run.run_id, result)


@use_case("risk.evaluate", run_kind="risk.evaluate")
def evaluate(actor: Actor, home: Path, model_dir: Path, people: Path, out: Path, *,
             target: str, protected: list[str] | None = None,
             progress: Progress | None = None) -> Evaluated:
    """Measure accuracy, calibration and error balance on labelled ``people``, overall and by
    protected group (default: the model's own), into ``out``/metrics.json and report.html."""
    protected = protected or []
    with bad_input(RiskInputError, OSError), RunRecorder(
            home, "risk.evaluate", actor,
            parameters={"model_dir": str(model_dir), "target": target, "protected": protected,
                        "out": str(out)}) as run:
        run.add_input(model_dir, role="model")
        run.add_input(people, role="people")
        result = evaluate_csv(model_dir, people, out, target=target, protected=protected,
                              progress=progress)
        run.add_output(result.metrics_path)
        run.add_output(result.report_path)
        run.set_result("overall", result.metrics["overall"])
        run.set_result("protected_attributes", result.metrics["protected_attributes"])
    return Evaluated(run.run_id, result)


@use_case("risk.card", run_kind="risk.card")
def card(actor: Actor, home: Path, model_dir: Path) -> Card:
    """A saved model's card (checked against its model file), for printing on one page; the
    record names the model folder by its SHA-256, so a printed card can be traced to it."""
    with bad_input(RiskInputError), RunRecorder(home, "risk.card", actor,
                                                 parameters={"model_dir": str(model_dir)}) as run:
        saved = load_model(model_dir)
        run.add_input(model_dir, role="model")
        run.set_result("model", saved.card.model)
        run.set_result("points_table", bool(saved.card.scorecard))
    return Card(run.run_id, saved.card)


@use_case("risk.synth", run_kind="risk.synth")
def synth(actor: Actor, home: Path, out: Path, *, rows: int = 2000, seed: int = 0) -> int:
    """Write ``rows`` seeded synthetic UK-shaped custody records to ``out``; how many."""
    with RunRecorder(home, "risk.synth", actor,
                     parameters={"rows": rows, "seed": seed, "out": str(out)}) as run:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(custody_records(rows, seed), out)
        run.add_output(out)
    return rows
