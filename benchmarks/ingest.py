"""Ingest benchmark: the full ingest against a bare DuckDB load of the same files.

Two data sets: the shared Essex months (115,065 rows) and a synthetic national year (about
6.5 million rows across 43 forces, ``benchmarks/synthetic.py``). For each, in separate child
processes (so peak memory is each run's own):

- bare: ``CREATE TABLE t AS SELECT * FROM read_csv([...files])`` into a new DuckDB file;
- full: ``crimeplan.store.ingest.ingest_paths`` (validation, projection, LSOA and force-area
  enrichment against all 34,753 LSOAs, quarantine, ledger, partitions) into a workspace that
  already holds the shared reference data (loaded beforehand, not timed).

Target: full within 3x bare; peak memory under 4 GiB for the national year.
Run: ``.venv/bin/python benchmarks/ingest.py [--essex-only]``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import build, shared_or_exit  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, target, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
import duckdb
from crimeplan.store.ingest import ingest_paths
t0 = time.perf_counter()  # after imports: both runs time the load, not interpreter start-up
if mode == "bare":
    con = duckdb.connect(str(target / "bare.duckdb"))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($f)", {"f": files})
    rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    con.close()
else:
    report = ingest_paths(target, [Path(f) for f in files])
    assert report.ok, [f.message for f in report.errors]
    rows = report.totals()["rows_loaded"]
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
print(json.dumps({"mode": mode, "rows": rows, "seconds": seconds, "peak_gib": peak}))
"""


def _child(mode: str, target: Path, files: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(target), *files],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _reference_home(where: Path) -> Path:
    """A workspace with the shared reference data loaded (not timed)."""
    from crimeplan.store import Warehouse
    from crimeplan.store.reference import load_reference

    home = where / "home"
    shared = shared_or_exit("boundaries").parent
    ref = where / "reference"
    ref.mkdir()
    for sub in ("boundaries", "imd2019"):
        for f in (shared / sub).iterdir():
            (ref / f.name).symlink_to(f)
    con = Warehouse(home).connect()
    load_reference(con, ref)
    con.close()
    return home


def run(name: str, files: list[Path]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks" / "out") as tmp:
        where = Path(tmp)
        home = _reference_home(where)
        names = [str(f) for f in files]
        bare = _child("bare", where, names)
        full = _child("full", home, names)
    result = {"data": name, "files": len(files), "rows": full["rows"],
              "load_average": round(os.getloadavg()[0], 2),  # 1 min: was the machine quiet?
              "bare_s": round(bare["seconds"], 2), "full_s": round(full["seconds"], 2),
              "ratio": round(full["seconds"] / bare["seconds"], 2),
              "bare_peak_gib": round(bare["peak_gib"], 2),
              "full_peak_gib": round(full["peak_gib"], 2)}
    print(json.dumps(result))
    return result


def main() -> None:
    (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    essex = sorted(shared_or_exit("police-uk").glob("2018-0*/2018-0*-essex-street.csv"))
    results = [run("Essex street, Jan-Jul 2018", essex)]
    if "--essex-only" not in sys.argv:
        national = sorted(build().rglob("*.csv"))
        results.append(run("synthetic national year (43 forces x 12 months)", national))
    for r in results:
        verdict = "meets" if r["ratio"] <= 3 else "MISSES"
        print(f"{r['data']}: {r['rows']:,} rows; bare {r['bare_s']} s, full {r['full_s']} s "
              f"= {r['ratio']}x ({verdict} the 3x target); peak {r['full_peak_gib']} GiB; "
              f"load average {r['load_average']}")


if __name__ == "__main__":
    main()
