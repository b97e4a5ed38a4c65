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
    """One demo step: what it shows and the command that does it."""

    title: str
    args: tuple[str, ...]


def steps(home: Path, out: Path) -> list[Step]:
    """The demo's commands, in order."""
    h = ("--home", str(home))
    chicago = SAMPLE / "chicago" / "chicago_aggravated_assaults_2018_2019.csv.gz"
    return [
        Step("Load reference data: LSOA and force-area boundaries, IMD 2019, populations",
             ("reference", "load", str(SAMPLE / "reference"), *h)),
        Step("Ingest a data.police.uk archive: Essex street crime and Met stop and search",
             ("ingest", str(SAMPLE / "police-uk-2018-sample.zip"), *h)),
        Step("Ingest timestamped point data: Chicago aggravated assaults 2018-2019",
             ("ingest-points", str(chicago), "--time", "date", "--x", "longitude", "--y",
              "latitude", "--crs", "EPSG:4326", "--category", "loc_cat", "--name",
              "chicago-assaults", *h)),
        Step("Coverage: force x month x dataset, with months missing",
             ("coverage", *h)),
        Step("Quarantine: rows that could not be loaded, with file, line and reason",
             ("quarantine", "--limit", "10", *h)),
        Step("Summary of the warehouse", ("summary", *h)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / "demo-home")
    parser.add_argument("--out", type=Path, default=ROOT / "demo-home" / "outputs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps(args.home, args.out), start=1):
        print(f"\n=== {n}. {step.title}\n$ crimeplan {shlex.join(step.args)}", flush=True)
        done = subprocess.run([sys.executable, "-m", "crimeplan", *step.args], check=False)
        if done.returncode != 0:
            print(f"demo step {n} failed (exit {done.returncode})", file=sys.stderr)
            return done.returncode
    print(f"\nDemo finished. Workspace: {args.home}\nOutputs: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
