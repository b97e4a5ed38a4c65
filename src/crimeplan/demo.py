"""The demo: crimeplan's main job on the bundled real sample, step by step.

``make demo`` runs ``python -m crimeplan.demo``: each step is a ``crimeplan`` command, printed
before it runs, so what the demo does can be repeated by hand. The workspace is
``demo-home`` (``--home`` to change it); running the demo twice changes nothing the second
time, as the ingest finds every file already loaded.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


@dataclass(frozen=True)
class Step:
    """One demo step: what it shows and the command that does it. ``run_of`` names an audit
    log kind whose latest run id is appended to the command (for audits of earlier runs)."""

    title: str
    args: tuple[str, ...]
    run_of: str | None = None


def steps(home: Path, out: Path) -> list[Step]:
    """The demo's commands, in order."""
    h = ("--home", str(home))
    chicago = SAMPLE / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz"
    backtest = out / "backtest-essex-burglary"
    return [
        Step("Load reference data: LSOA and force-area boundaries, IMD 2019, populations",
             ("reference", "load", str(SAMPLE / "reference"), *h)),
        Step("Ingest a data.police.uk archive: Essex street crime and Met stop and search",
             ("ingest", str(SAMPLE / "police-uk-2018-sample.zip"), *h)),
        Step("Ingest timestamped point data: Chicago aggravated assaults 2018-2019",
             ("ingest-points", str(chicago), "--time", "date", "--x", "longitude", "--y",
              "latitude", "--crs", "EPSG:4326", "--category", "loc_cat", "--name",
              "chicago-assaults", *h)),
        Step("Coverage: force x month x dataset, with months missing", ("coverage", *h)),
        Step("Quarantine: rows that could not be loaded, with file, line and reason",
             ("quarantine", "--limit", "10", *h)),
        Step("Summary of the warehouse", ("summary", *h)),
        Step("Force report: trends, rates, rises, outcomes, stop and search, deprivation, "
             "cost, peers (offline HTML and indicators.csv)",
             ("report", "--force", "essex", "--out", str(out / "essex-report"),
              "--purpose", "demo: force profile", *h)),
        Step("Backtest hotspot models on Essex burglary, monthly, 250 m cells, Apr-Jul 2018 "
             "(the sample holds 4 of Essex's 14 districts, so PAI over the whole force area "
             "is higher than full data would give)",
             ("forecast", "backtest", "--dataset", "essex", "--category", "burglary",
              "--cell-size", "250", "--freq", "M", "--test-start", "2018-04-01",
              "--test-periods", "4", "--models",
              "naive,historical-mean,all-past-mean,kde,prospective,sepp,learned",
              "--boot", "200", "--out", str(backtest), "--purpose", "demo: model comparison",
              *h)),
        Step("Deployment map: next week's Chicago assault hotspots (top 1%, offline HTML)",
             ("forecast", "predict", "--dataset", "chicago-assaults", "--model", "kde",
              "--until", "2019-06-03", "--horizon", "1W", "--top", "1", "--cell-size", "150",
              "--out", str(out / "chicago-hotspots.html"), "--purpose", "demo: patrol map",
              *h)),
        Step("Place fairness audit of the backtest: attention by IMD decile",
             ("audit", "places", "--out", str(out / "audit-places"), *h),
             run_of="forecast.backtest"),
        Step("Synthetic custody records for risk triage (seeded)",
             ("risk", "synth", "--out", str(out / "custody.csv"), "--rows", "3000",
              "--seed", "1", *h)),
        Step("Synthetic custody records held out for evaluation",
             ("risk", "synth", "--out", str(out / "custody-test.csv"), "--rows", "1500",
              "--seed", "2", *h)),
        Step("Fit a calibrated risk model (protected attributes for audit only; risk may "
             "only rise with prior arrests)",
             ("risk", "fit", str(out / "custody.csv"), "--target", "reoffended_2y",
              "--features",
              "age,prior_arrests,prior_violent_arrests,age_first_arrest,offence_group",
              "--id", "custody_id", "--protected", "ethnicity,sex", "--cost-ratio", "2:1",
              "--model", "logistic", "--monotone", "prior_arrests:+,prior_violent_arrests:+",
              "--out", str(out / "risk-model"),
              "--purpose", "demo: custody triage", *h)),
        Step("Evaluate it: accuracy, calibration and error balance by group",
             ("risk", "evaluate", str(out / "risk-model"), str(out / "custody-test.csv"),
              "--target", "reoffended_2y", "--protected", "ethnicity,sex",
              "--out", str(out / "risk-evaluation"), "--purpose", "demo: evaluation", *h)),
        Step("People fairness audit of the evaluation, in plain words",
             ("audit", "people", *h), run_of="risk.evaluate"),
        Step("Synthetic offence histories (seeded) for offender cohorts",
             ("cohort", "synth", "--out", str(out / "offences.csv"), "--people", "2000",
              "--years", "3", "--seed", "0", *h)),
        Step("Harm-weighted cohort report: concentration and stability",
             ("cohort", "report", str(out / "offences.csv"), "--person", "person_id",
              "--date", "offence_date", "--offence", "offence_type",
              "--harm-table", "heeks-2018-cost", "--split",
              "2024-01-01", "--out", str(out / "cohort-report"),
              "--purpose", "demo: IOM cohort", *h)),
        Step("Feedback-loop simulation: patrols following forecasts on Essex crime",
             ("simulate", "feedback", "--dataset", "essex", "--out",
              str(out / "feedback"), "--purpose", "demo: feedback loop", *h)),
        Step("Transparency record (ATRS) for the backtest",
             ("transparency", "--owner-file", str(ROOT / "docs" / "owner-example.yaml"),
              "--out", str(out / "transparency"), *h), run_of="forecast.backtest"),
        Step("Verify the audit log's hash chain", ("audit", "verify", *h)),
        Step("Service: demo agencies of every kind in Essex, a user of every role and an API "
             "client (passwords and TOTP secrets printed, kept in demo-accounts.json)",
             ("service", "seed-demo", *h)),
    ]


def latest_run(home: Path, kind: str) -> str:
    """Id of the newest run of a kind in the workspace's audit log (which must verify)."""
    from crimeplan.provenance.chain import AuditLogError
    from crimeplan.provenance.filelog import AuditLog

    try:
        AuditLog(home).check()
        runs = [r for r in AuditLog(home).records() if r.get("kind") == kind]
    except AuditLogError as exc:
        raise SystemExit(f"demo: {exc}") from exc
    if not runs:
        raise SystemExit(f"demo: no {kind} run in the audit log")
    return str(runs[-1]["run_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / "demo-home")
    parser.add_argument("--out", type=Path, default=ROOT / "demo-home" / "outputs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps(args.home, args.out), start=1):
        cmd = list(step.args)
        if step.run_of:
            cmd.insert(2 if cmd[0] == "audit" else 1, latest_run(args.home, step.run_of))
        print(f"\n=== {n}. {step.title}\n$ crimeplan {shlex.join(cmd)}", flush=True)
        done = subprocess.run([sys.executable, "-m", "crimeplan", *cmd], check=False)
        if done.returncode != 0:
            print(f"demo step {n} failed (exit {done.returncode})", file=sys.stderr)
            return done.returncode
    print(f"\nDemo finished. Workspace: {args.home}\nOutputs (open the .html files in a "
          f"browser, offline): {args.out}")
    for page in sorted(args.out.rglob("*.html")):
        print(f"  {page}")
    print(f"\nStart the web service on this workspace (Ctrl-C stops it):\n"
          f"  make serve    # or: .venv/bin/crimeplan serve --home {args.home}\n"
          "then open http://127.0.0.1:8000/ and sign in with an account printed above.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
