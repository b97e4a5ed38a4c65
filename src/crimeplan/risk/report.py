"""Self-contained HTML reports: a risk model's evaluation and an offender cohort analysis."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crimeplan.report.html import Formatter, Section, note, page, paragraph, svg_figure, table
from crimeplan.report.numbers import money, money_summary, percent, rounded
from crimeplan.risk.cohorts import Concentration, Stability
from crimeplan.risk.evaluation import CalibrationBin, Evaluation
from crimeplan.risk.explain import LIMITS, Importance
from crimeplan.risk.harm import HarmTable
from crimeplan.risk.modeldir import ModelCard

TRADE_OFF = (
    "A risk score can be fair in two different senses, and when reoffending rates differ between "
    "groups it cannot be both at once (Chouldechova 2017; Kleinberg, Mullainathan & Raghavan "
    "2016). Calibration within groups means a score of 60% means 60% in every group. Error balance "
    "means people who do not go on to reoffend are flagged equally often in every group (equal "
    "false positive rates), and likewise for those who do (equal false negative rates). If the "
    "groups' base rates differ, a calibrated score must give the higher-rate group more false "
    "flags, and equalising the error rates would make the same score mean different things for "
    "different groups. Unless the model is perfect, one has to choose; this report shows both so "
    "the choice is made openly."
)


def _curve_figure(curves: dict[str, list[CalibrationBin]], title: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    ax.plot([0, 1], [0, 1], color="#b1b4b6", linestyle="--", label="perfect calibration")
    for label, curve in curves.items():
        ax.plot([b.mean_predicted for b in curve], [b.observed_rate for b in curve],
                marker="o", label=label)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed reoffending rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def _metric_table(metrics: dict[str, float]) -> pd.DataFrame:
    labels = {
        "n": "people", "base_rate": "observed reoffending rate", "mean_predicted":
        "mean predicted probability", "auc": "AUC (ranking)", "brier": "Brier score",
        "log_loss": "log loss", "ece": "expected calibration error", "ece_noise_floor":
        "calibration error expected by chance alone", "ece_ci_low":
        "expected calibration error, bootstrap 95% interval, low", "ece_ci_high":
        "expected calibration error, bootstrap 95% interval, high", "ece_debiased":
        "calibration error with sampling noise removed (debiased)", "ece_debiased_ci_low":
        "debiased calibration error, bootstrap 95% interval, low", "ece_debiased_ci_high":
        "debiased calibration error, bootstrap 95% interval, high",
        "calibration_in_the_large": "mean predicted minus observed rate",
        "calibration_in_the_large_se": "standard error of mean predicted minus observed",
        "accuracy":
        "accuracy of the flag", "selection_rate": "share flagged (moderate or high)",
        "fpr": "false positive rate", "fnr": "false negative rate", "dangerous_error_rate":
        "dangerous errors (reoffenders put in low band)", "cautious_error_rate":
        "cautious errors (non-reoffenders put in high band)"}
    values = [int(v) if k == "n" else float("nan") if v is None else float(v)
              for k, v in metrics.items()]
    return pd.DataFrame({"measure": [labels[k] for k in metrics],
                         "value": pd.Series(values, dtype=object)})


def evaluation_report(card: ModelCard, evaluation: Evaluation, data_label: str,
                      importance: list[Importance], same_as_training: bool = False) -> str:
    """The evaluation report of one model on one labelled data set."""
    result = evaluation.to_dict()
    t = evaluation.thresholds
    summary = Section("Summary", "summary")
    summary.add(paragraph(
        f"Model: {card.model}, calibrated ({card.calibration.get('method')}), predicting "
        f"{card.target} from {', '.join(card.features)}. Evaluated on {data_label}."))
    summary.add(paragraph(
        f"Bands from the cost ratio {card.cost_ratio} (dangerous : cautious error): low below "
        f"{t.moderate_from:.3f}, moderate from {t.moderate_from:.3f}, high from "
        f"{t.high_from:.3f}. People in the moderate or high band count as flagged."))
    if same_as_training:
        summary.add(note("This is the model's own training file: the figures below are "
                         "optimistic. Use the cross-validated figures in the model card, or "
                         "evaluate on people the model has not seen.", warn=True))
    if card.protected_as_feature:
        summary.add(note("Protected attribute(s) used as model inputs by explicit choice: "
                         + ", ".join(card.protected_features_used), warn=True))
    else:
        summary.add(note("No protected attribute is a model input; protected attributes are "
                         "used only to audit the model below."))
    if card.protected_used_in_calibration:
        within = ", ".join(card.protected_used_in_calibration)
        summary.add(note(f"Protected attribute used in calibration by explicit choice: {within}. "
                         f"Each {within} group large enough has its own calibration map, so two "
                         f"people with the same inputs can get different scores because of their "
                         f"{within}.", warn=True))
    if card.monotone:
        rules = "; ".join(f"{c} {'only raises' if s == '+' else 'only lowers'} the estimate"
                          for c, s in card.monotone.items())
        worst = max(card.monotone_check.values(), default=0.0)
        summary.add(note(f"Monotone constraints: {rules}. Checked on the fitted model over "
                         f"each feature's range: largest wrong-way change {worst:.4f}."))
    summary.add(table(_metric_table(result["overall"]), float_format="{:,.3f}"))

    calibration = Section("Calibration", "calibration")
    calibration.add(paragraph(
        "Each point compares the average predicted probability of people in a probability bin "
        "with how many of them actually reoffended; points on the diagonal are well calibrated."))
    calibration.add(svg_figure(_curve_figure({"everyone": evaluation.calibration},
                                             "Calibration, everyone")))
    for attribute, curves in evaluation.group_calibration.items():
        calibration.add(svg_figure(_curve_figure(curves, f"Calibration by {attribute}"),
                                   caption="Small groups give noisy curves; see n in the "
                                           "group table."))

    bands = Section("Bands", "bands")
    bands.add(table(evaluation.bands, float_format="{:,.3f}"))

    groups = Section("By protected group", "groups")
    groups.add(paragraph("Each row is one value of one protected attribute. AUC is left blank "
                         "where a group has only one outcome. ece_noise_floor is the calibration "
                         "error a perfectly calibrated model would show on a group of that size "
                         "by chance alone; an ECE close to it is not evidence of miscalibration. "
                         "ece_debiased removes the chance part and is near 0 (either side) for a "
                         "well calibrated group; its bootstrap 95% interval (ece_debiased_ci_low, "
                         "_high) is the one to judge calibration by. ece_ci_low and ece_ci_high "
                         "show how far the plug-in ECE moves under resampling (biased upwards "
                         "like the ECE itself). calibration_in_the_large is mean predicted minus "
                         "observed rate (se: its standard error)."))
    if evaluation.groups.empty:
        groups.add(note("No protected attributes were given (--protected), so no group audit "
                        "was possible.", warn=True))
    else:
        shown = evaluation.groups[["attribute", "group", "n", "base_rate", "mean_predicted",
                                   "selection_rate", "fpr", "fnr", "auc", "ece",
                                   "ece_ci_low", "ece_ci_high", "ece_debiased",
                                   "ece_debiased_ci_low", "ece_debiased_ci_high",
                                   "ece_noise_floor", "calibration_in_the_large",
                                   "calibration_in_the_large_se", "dangerous_error_rate",
                                   "cautious_error_rate"]]
        groups.add(table(shown, float_format="{:,.3f}"))

    trade = Section("Calibration versus error balance", "trade-off")
    trade.add(paragraph(TRADE_OFF))
    for attribute in evaluation.groups["attribute"].unique() if not evaluation.groups.empty \
            else []:
        rows = evaluation.groups[(evaluation.groups["attribute"] == attribute)
                                 & (evaluation.groups["n"] >= 50)]
        if len(rows) >= 2:
            hi = rows.loc[rows["base_rate"].idxmax()]
            lo = rows.loc[rows["base_rate"].idxmin()]
            trade.add(paragraph(
                f"Here, by {attribute}: {hi['group']} has an observed rate of "
                f"{hi['base_rate']:.0%} against {lo['base_rate']:.0%} for {lo['group']}; their "
                f"calibration errors are {hi['ece']:.3f} and {lo['ece']:.3f}, their false "
                f"positive rates {hi['fpr']:.0%} and {lo['fpr']:.0%}, and their false negative "
                f"rates {hi['fnr']:.0%} and {lo['fnr']:.0%} (groups of 50 or more people)."))

    explain = Section("Explanations", "explanations")
    explain.add(paragraph("Global importance: how much, on average, making one factor typical "
                          "moves a person's estimate (percentage points)."))
    explain.add(table(pd.DataFrame({"factor": [i.feature for i in importance],
                                    "mean change (points)": [100 * i.mean_abs_contribution
                                                             for i in importance]})))
    explain.add(note(LIMITS))
    return page(f"Risk model evaluation: {card.model} for {card.target}",
                [summary, calibration, bands, groups, trade, explain],
                intro=[note("Estimates support, never replace, the judgement of the officer who "
                            "decides. They describe groups of similar people, not certainties "
                            "about anyone.")],
                footer=f"crimeplan {card.code_version}; model card created {card.created_at}")


def _in_pounds(harm_table: HarmTable) -> bool:
    """Whether a harm table weighs offences in money (its unit names pounds)."""
    return harm_table.unit.casefold().startswith(("pounds", "£", "gbp"))


def cohort_report(table_used: HarmTable, scores: pd.DataFrame, conc: Concentration,
                  stab: Stability | None, period_label: str, top: int = 50) -> str:
    """The offender cohort report: harm table, concentration, top people, stability."""
    harm = Section("Harm table", "harm-table")
    harm.add(paragraph(f"{table_used.label}: unit {table_used.unit}. {table_used.citation}"))
    if table_used.status != "published" and table_used.status != "exact":
        harm.add(note(f"This table is {table_used.status}. {table_used.notes} "
                      f"{table_used.how_to_replace}", warn=True))

    in_pounds = _in_pounds(table_used)
    total = money_summary(conc.total_harm) if in_pounds else rounded(conc.total_harm)
    concentration = Section("Concentration of harm", "concentration")
    concentration.add(paragraph(
        f"{conc.people:,} people committed {conc.total_offences:,} offences with a total harm "
        f"of {total} in {period_label}; the harm table weighs each offence in "
        f"{table_used.unit}. Gini coefficient of harm between people: {conc.gini:.2f}."))
    frame = conc.to_frame().rename(columns={"share": "top share of people"})
    concentration.add(table(frame, formats=dict.fromkeys(
        ("top share of people", "harm_share", "offence_share"), percent)))
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    x = np.arange(1, len(scores) + 1) / max(len(scores), 1)
    ax.plot(np.r_[0, x], np.r_[0, scores["cumulative_harm_share"].to_numpy()], label="harm")
    ax.plot([0, 1], [0, 1], color="#b1b4b6", linestyle="--", label="equal shares")
    ax.set_xlabel("share of people (most harmful first)")
    ax.set_ylabel("share of all harm")
    ax.legend(fontsize=8)
    concentration.add(svg_figure(fig, caption="Cumulative share of harm by share of people."))

    people = Section("Most harmful people", "people")
    people.add(note("Identifiers as in the source data. A high harm score reflects recorded "
                    "offences only and is a starting point for review, not a finding about a "
                    "person."))
    harm_format: Formatter = money if in_pounds else rounded
    people.add(table(scores.head(top)[["rank", "person", "offences", "harm", "harm_share",
                                       "most_harmful_offence", "last_offence"]],
                     formats={"harm": harm_format, "harm_share": percent}))
    sections = [harm, concentration, people]
    if stab is not None:
        stable = Section("Stability between periods", "stability")
        stable.add(paragraph(
            f"Of the {stab.later_top} people in the later period's top {stab.share:.0%}, "
            f"{stab.both} ({stab.carried_over:.0%}) were already in the earlier period's top "
            f"group; {stab.retained:.0%} of the earlier top {stab.earlier_top} stayed in it, and "
            f"{stab.later_top_new_offenders} of the later top group had no recorded offence in "
            f"the earlier period. Low stability means a list drawn from past harm misses much "
            f"of future harm."))
        sections.append(stable)
    return page("Offender cohorts by harm", sections)
