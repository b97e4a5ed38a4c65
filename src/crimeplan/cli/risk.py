"""``crimeplan risk``: fit, apply and evaluate individual risk models, with audit records."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.app import risk as use
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    StepBar,
    actor,
    console,
    home_dir,
    print_json,
    reported,
)
from crimeplan.risk.data import parse_list
from crimeplan.risk.scorecard import render_card

app = typer.Typer(help="Individual risk triage: fit, predict and evaluate calibrated models.",
                  no_args_is_help=True)

ProtectedOption = Annotated[str, typer.Option(
    "--protected", help="Comma-separated protected attributes (e.g. race,sex), read for "
    "auditing only.")]


@app.command("fit")
def fit(
    train: Annotated[Path, typer.Argument(help="Training CSV, one row per person.")],
    target: Annotated[str, typer.Option("--target", help="Outcome column (0/1, yes/no).")],
    features: Annotated[str, typer.Option(
        "--features", help="Comma-separated feature columns; text columns are one-hot encoded. "
        "Area or postcode columns are used only if named here.")],
    out: Annotated[Path, typer.Option("--out", help="Model folder to write.")],
    id_column: Annotated[str | None, typer.Option("--id", help="Person id column.")] = None,
    protected: ProtectedOption = "",
    cost_ratio: Annotated[str, typer.Option(
        "--cost-ratio", help="Cost of a dangerous error (forecast low, reoffended) to a "
        "cautious error (forecast high, did not), FN:FP; sets the band thresholds.")] = "2:1",
    model: Annotated[str, typer.Option(
        "--model", help="baseline, logistic, forest, boosting, blend (average of logistic "
        "and boosting), scorecard (whole points per band of at most 7 items, a table from "
        "total points to probability; print it with `risk card`), or auto (best "
        "cross-validated AUC of logistic, forest, boosting and blend).")] = "auto",
    calibration: Annotated[str, typer.Option(
        "--calibration", help="isotonic, sigmoid or auto (isotonic from 1,000 rows).")] = "auto",
    allow_protected: Annotated[bool, typer.Option(
        "--allow-protected-as-feature", help="Allow protected attributes as model inputs "
        "(recorded with the model and in the audit log).")] = False,
    calibrate_within: Annotated[str | None, typer.Option(
        "--calibrate-within", help="Opt-in, off by default: calibrate separately within each "
        "group of this protected attribute (one of --protected; never a model input). Scores "
        "then depend on it; needs --allow-protected-in-calibration.")] = None,
    allow_in_calibration: Annotated[bool, typer.Option(
        "--allow-protected-in-calibration", help="Allow --calibrate-within to use a protected "
        "attribute (recorded with the model, in the audit log and in evaluation reports).")
    ] = False,
    monotone: Annotated[str, typer.Option(
        "--monotone", help="Comma-separated COLUMN:+ (risk may only rise with this number) or "
        "COLUMN:- (only fall), e.g. priors_count:+,age:-; applies to every model but baseline, "
        "is checked on the fitted model and recorded in the model card.")] = "",
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    home: HomeOption = None,
    purpose: PurposeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fit a calibrated risk model and save it with its model card."""
    spec = use.FitSpec(
        target=target, features=parse_list(features), id_column=id_column,
        protected=parse_list(protected), cost_ratio=cost_ratio, model=model,
        calibration=calibration, allow_protected_as_feature=allow_protected,
        calibrate_within=calibrate_within, allow_protected_in_calibration=allow_in_calibration,
        monotone=monotone, folds=folds, seed=seed)
    with reported(), StepBar("risk fit", enabled=not as_json) as bar:
        done = use.fit(actor(purpose), home_dir(home), train, out, spec, progress=bar)
    card = done.result.card
    if as_json:
        print_json({"run_id": done.run_id, "model_dir": str(out), **asdict(card)})
        return
    m = card.cv_metrics
    console.print(f"[bold]{escape(card.model)}[/] model (calibrated, "
                  f"{escape(card.calibration['method'])}) saved to {escape(str(out))}",
                  markup=True)
    console.print(f"cross-validated AUC {m['auc']:.3f}, Brier {m['brier']:.3f}, "
                  f"ECE {m['ece']:.3f}; bands: low < {card.bands['moderate_from']:.3f} ≤ "
                  f"moderate < {card.bands['high_from']:.3f} ≤ high")
    if card.monotone:
        worst = max(card.monotone_check.values(), default=0.0)
        console.print("monotone: " + ", ".join(f"{c} {s}" for c, s in card.monotone.items())
                      + f" (largest wrong-way change found: {worst:.4f})")
    if card.scorecard:
        low, high = card.scorecard["totals"][0]["points"], card.scorecard["totals"][-1]["points"]
        items = len({row["item"] for row in card.scorecard["items"]})
        console.print(f"scorecard: {items} item(s), totals {low}–{high}; print it with "
                      f"crimeplan risk card {out}")
    if card.protected_as_feature:
        console.print(f"[yellow]protected attribute(s) used as features:[/] "
                      f"{escape(', '.join(card.protected_features_used))}", markup=True)
    if card.protected_used_in_calibration:
        console.print(f"[yellow]protected attribute used in calibration (scores depend on "
                      f"it):[/] {escape(', '.join(card.protected_used_in_calibration))}",
                      markup=True)
    console.print(f"run {done.run_id} recorded in the audit log")


@app.command("predict")
def predict(
    model_dir: Annotated[Path, typer.Argument(help="Model folder from `risk fit`.")],
    data: Annotated[Path, typer.Argument(help="CSV of people with the model's features.")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: id, probability, band, "
                                      "reasons.")],
    top: Annotated[int, typer.Option("--top", min=1, help="Reasons per person.")] = 3,
    home: HomeOption = None,
    purpose: PurposeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Estimate each person's probability and band, with the top reasons in plain words."""
    with reported(), StepBar("risk predict", enabled=not as_json) as bar:
        done = use.predict(actor(purpose), home_dir(home), model_dir, data, out, top=top,
                           progress=bar)
    result = done.result
    if as_json:
        print_json({"run_id": done.run_id, "out": str(result.out), "rows": result.rows,
                    "band_counts": result.band_counts})
        return
    counts = ", ".join(f"{b} {n:,}" for b, n in result.band_counts.items())
    console.print(f"{result.rows:,} people scored to {result.out} ({counts}); run {done.run_id}")


@app.command("evaluate")
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="Model folder from `risk fit`.")],
    data: Annotated[Path, typer.Argument(help="Labelled CSV of people not used in fitting.")],
    target: Annotated[str, typer.Option("--target", help="Outcome column (0/1, yes/no).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for metrics.json and report.html.")],
    protected: ProtectedOption = "",
    home: HomeOption = None,
    purpose: PurposeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure accuracy, calibration and error balance, overall and by protected group."""
    with reported(), StepBar("risk evaluate", enabled=not as_json) as bar:
        done = use.evaluate(actor(purpose), home_dir(home), model_dir, data, out,
                            target=target, protected=parse_list(protected), progress=bar)
    result = done.result
    overall = result.metrics["overall"]
    if as_json:
        print_json({"run_id": done.run_id, "metrics": str(result.metrics_path),
                    "report": str(result.report_path), "overall": overall})
        return
    console.print(f"AUC {overall['auc']:.3f}, Brier {overall['brier']:.3f}, ECE "
                  f"{overall['ece']:.3f} (95% {overall['ece_ci_low']:.3f}–"
                  f"{overall['ece_ci_high']:.3f}; debiased {overall['ece_debiased']:.3f}), "
                  f"FPR {overall['fpr']:.3f}, FNR {overall['fnr']:.3f}")
    console.print(f"wrote {result.metrics_path} and {result.report_path}; run {done.run_id}")


@app.command("card")
def card(
    model_dir: Annotated[Path, typer.Argument(help="Model folder from `risk fit`.")],
    home: HomeOption = None,
    purpose: PurposeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a model's card on one page: for a scorecard, its points per item and the table
    from total points to probability, to apply by hand (the reading is recorded with the
    model folder's SHA-256)."""
    with reported():
        done = use.card(actor(purpose), home_dir(home), model_dir)
    card = done.card
    if as_json:
        print_json({"run_id": done.run_id, "model_dir": str(model_dir), "model": card.model,
                    "target": card.target, "bands": card.bands, "cv_metrics": card.cv_metrics,
                    "scorecard": card.scorecard})
        return
    m = card.cv_metrics
    note = (f"Cross-validated on {card.training_data['rows']:,} people: AUC {m['auc']:.3f}, "
            f"ECE {m['ece']:.3f}. Bands: low below {100 * card.bands['moderate_from']:.1f}%, "
            f"high from {100 * card.bands['high_from']:.1f}% (cost ratio {card.cost_ratio}). "
            "The estimate supports, never replaces, the officer's judgement.")
    title = f"{card.model} model of {card.target} ({model_dir})"
    if not card.scorecard:
        console.print(f"{title}\nfeatures: {', '.join(card.features)}\n{note}\nNo points "
                      f"table: a {card.model} model is not a sum of whole points; fit with "
                      "--model scorecard for a card to apply by hand.")
        return
    console.print(render_card(card.scorecard, title=f"Scorecard: {title}", note=note), end="",
                  soft_wrap=True)


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", help="CSV of synthetic custody records.")],
    rows: Annotated[int, typer.Option("--rows", min=10, help="People.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    home: HomeOption = None,
    purpose: PurposeOption = None,
) -> None:
    """Write seeded synthetic UK-shaped custody records (for demos and tests)."""
    use.synth(actor(purpose), home_dir(home), out, rows=rows, seed=seed)
    console.print(f"{rows:,} synthetic custody records written to {out}")
