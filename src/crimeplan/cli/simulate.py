"""``crimeplan simulate``: what-if simulations of how policing tools shape their own data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crimeplan.app import simulate as use
from crimeplan.cli.common import HomeOption, PurposeOption, actor, console, home_dir, reported
from crimeplan.forecast.models import MODELS
from crimeplan.governance.feedback_study import COUNT_MODEL

app = typer.Typer(help="Simulations: feedback between patrols, forecasts and the crime record.",
                  no_args_is_help=True)


@app.command("feedback")
def feedback(
    dataset: Annotated[str, typer.Option("--dataset", help="Force slug (street crime) or point "
                                         "data set name in the warehouse: the true crime.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and summary.json.")],
    category: Annotated[str | None, typer.Option("--category", help="Only this crime category.")
                        ] = None,
    cell_size: Annotated[float, typer.Option("--cell-size", help="Grid cell size in metres.")
                         ] = 500.0,
    period: Annotated[str, typer.Option("--period", help="month, or week (point data only).")
                      ] = "month",
    policy: Annotated[str, typer.Option("--policy", help="top: patrol the top share of cells; "
                                        "proportional: patrol in proportion to the forecast.")
                      ] = "top",
    top_share: Annotated[float, typer.Option("--top-share", help="Share of cells patrolled "
                                             "under the top policy.")] = 0.05,
    discovery: Annotated[float, typer.Option("--discovery", help="Chance an unreported crime is "
                                             "found under an even patrol spread.")] = 0.5,
    reported_share: Annotated[float, typer.Option(
        "--reported", help="Share of crime victims report regardless of patrols.")] = 0.3,
    exploration: Annotated[float, typer.Option("--exploration", help="Share of patrols spread "
                                               "evenly in the exploration scenario.")] = 0.2,
    model: Annotated[str, typer.Option("--model", help=f"Forecaster patrols follow: "
                                       f"{COUNT_MODEL} (mean count per observed period) or a "
                                       f"forecast model ({', '.join(MODELS)}).")
                     ] = COUNT_MODEL,
    window: Annotated[int, typer.Option("--window", help="Periods of history the forecaster "
                                        "uses (0 = all).")] = 0,
    warmup: Annotated[int, typer.Option("--warmup", help="Periods patrolled evenly before the "
                                        "model takes over.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (results are repeatable).")
                    ] = 0,
    purpose: PurposeOption = None,
    home: HomeOption = None,
) -> None:
    """Simulate the runaway loop and its mitigations on a real data set."""
    with reported():
        done = use.feedback(actor(purpose), home_dir(home), dataset, out, category=category,
                            cell_size=cell_size, period=period, policy=policy,
                            top_share=top_share, discovery=discovery, reported=reported_share,
                            exploration=exploration, model=model, window=window,
                            warmup=warmup, seed=seed)
    study, truth = done.study, done.truth
    console.print(f"run {done.run_id}: {len(study.scenarios)} scenarios over "
                  f"{len(truth.periods)} periods, {truth.grid.n_cells:,} cells")
    for name, scenario in study.scenarios.items():
        m = scenario.metrics
        console.print(f"  {name}: recorded vs true {m['recorded_vs_true'][-1]:.3f}, model vs "
                      f"true {m['estimate_vs_true'][-1]:.3f}, patrols vs true "
                      f"{m['attention_vs_true'][-1]:.3f}")
    console.print(f"wrote {done.report} and {done.summary}")
