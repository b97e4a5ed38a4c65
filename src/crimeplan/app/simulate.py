"""Use cases of simulation: how patrols following forecasts shape their own crime record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store.warehouse import Warehouse


@dataclass(frozen=True)
class FeedbackRun:
    """A simulation written: its run id, the study, the true crime and the files."""

    run_id: str
    study: Any
    truth: Any
    summary: Path
    report: Path


@use_case("simulate.feedback", run_kind="simulate.feedback")
def feedback(actor: Actor, home: Path, dataset: str, out: Path, *,
             category: str | None = None, cell_size: float = 500.0, period: str = "month",
             policy: str = "top", top_share: float = 0.05, discovery: float = 0.5,
             reported: float = 0.3, exploration: float = 0.2, model: str | None = None,
             window: int = 0, warmup: int = 1, seed: int = 0) -> FeedbackRun:
    """Simulate the runaway loop between patrols, forecasts and the crime record on a real
    data set (the true crime), and its mitigations."""
    from crimeplan.forecast.models import MODELS
    from crimeplan.governance.feedback import POLICIES, FeedbackSettings
    from crimeplan.governance.feedback_study import (
        COUNT_MODEL,
        PERIODS,
        run_study,
        true_crime,
        write_outputs,
    )
    from crimeplan.store.events import load_events

    model = model or COUNT_MODEL
    if period not in PERIODS:
        raise BadInput(f"--period {period!r}: use one of {', '.join(PERIODS)}")
    if model != COUNT_MODEL and model not in MODELS:
        raise BadInput(f"--model {model!r}: use {COUNT_MODEL} or one of {', '.join(MODELS)}")
    if policy not in POLICIES:
        raise BadInput(f"--policy {policy!r}: use one of {', '.join(POLICIES)}")
    if not 0 <= exploration <= 1:
        raise BadInput(f"--exploration must be between 0 and 1, got {exploration}")
    with bad_input(ValueError):
        base = FeedbackSettings(policy=policy, top_share=top_share, discovery=discovery,
                                reported=reported, window=window, warmup=warmup, seed=seed)
    parameters = {"dataset": dataset, "category": category, "cell_size": cell_size,
                  "period": period, "model": model, "policy": policy, "top_share": top_share,
                  "discovery": discovery, "reported": reported, "exploration": exploration,
                  "window": window, "warmup": warmup, "seed": seed}
    con = Warehouse(home).connect(read_only=True)
    try:
        events = load_events(con, dataset, category)
    except KeyError as exc:
        raise BadInput(str(exc.args[0])) from exc
    finally:
        con.close()
    with bad_input(ValueError):
        truth = true_crime(events, cell_size, period)
    if len(truth.periods) <= warmup:
        raise BadInput(f"{dataset} has {len(truth.periods)} {period}(s) of data: need more "
                       f"than the {warmup} warm-up period(s)")
    with RunRecorder(home, "simulate.feedback", actor, parameters=parameters) as run:
        run.add_input_data(f"events:{dataset}", events.content_hash, rows=len(events.frame))
        study = run_study(dataset, truth, base, exploration, model)
        summary_path, report_path = write_outputs(study, out)
        run.add_output(summary_path)
        run.add_output(report_path)
        for name, scenario in study.scenarios.items():
            run.set_result(name, {k: v[-1] for k, v in scenario.metrics.items()})
    return FeedbackRun(run.run_id, study, truth, summary_path, report_path)
