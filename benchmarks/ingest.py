"""Ingest benchmark: the full ingest against a bare DuckDB load of the same files.

Two data sets: the shared Essex months (115,065 rows) and a synthetic national year (about
6.5 million rows across 43 forces, ``benchmarks/synthetic.py``). For each, in separate child
processes (so peak memory is each run's own):

- bare: ``CREATE TABLE t AS SELECT * FROM read_csv([...files])`` into a new DuckDB file;
- full: ``crimeplan.store.ingest.ingest_paths`` (validation, projection, LSOA and force-area
  enrichment against all 34,753 LSOAs, quarantine, ledger, partitions) into a workspace that
  already holds the shared reference data (loaded beforehand, not timed).

Timed two ways: in process (after imports, the load alone) and as whole processes, as a user
feels them (interpreter start-up and imports included): ``crimeplan ingest FILES --home DIR``
against the bare load in its own ``python -c`` process. Each repeat uses a fresh workspace
(a copy of the reference one); medians are reported.

Target: full within 3x bare, both ways; peak memory under 4 GiB for the national year.
Run: ``.venv/bin/python benchmarks/ingest.py [--essex-only] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import CRIMEPLAN, time_process  # noqa: E402
from synthetic import build, shared_or_exit  # noqa: E402

#: The bare load, the same in process and as a whole process.
BARE_SQL = "CREATE TABLE t AS SELECT * FROM read_csv($f)"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, target, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
import duckdb
from crimeplan.store.ingest import ingest_paths
t0 = time.perf_counter()  # after imports: both runs time the load, not interpreter start-up
if mode == "bare":
    con = duckdb.connect(str(target / "bare.duckdb"))
    con.execute(BARE_SQL, {"f": files})
    rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    con.close()
else:
    report = ingest_paths(target, [Path(f) for f in files])
    assert report.ok, [f.message for f in report.errors]
    rows = report.totals()["rows_loaded"]
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
print(json.dumps({"mode": mode, "rows": rows, "seconds": seconds, "peak_gib": peak}))
""".replace("BARE_SQL", repr(BARE_SQL))

#: The bare load as a whole process of its own: ``python -c BARE_PROCESS DB FILES...``.
BARE_PROCESS = (f"import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                f"con.execute({BARE_SQL!r}, {{'f': sys.argv[2:]}}); con.close()")


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


def _fresh(where: Path, reference: Path | None = None) -> Path:
    """A new empty folder, or a new copy of the reference workspace."""
    target = Path(tempfile.mkdtemp(dir=where))
    if reference is None:
        return target
    target.rmdir()
    shutil.copytree(reference, target)
    return target


def run(name: str, files: list[Path], repeats: int) -> dict[str, object]:
    names = [str(f) for f in files]
    times: dict[str, list[float]] = {k: [] for k in ("bare", "full", "bare_process",
                                                     "full_process", "bare_process_cpu",
                                                     "full_process_cpu")}
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks" / "out") as tmp:
        where = Path(tmp)
        reference = _reference_home(where)
        for _ in range(repeats):
            bare = _child("bare", _fresh(where), names)
            full = _child("full", _fresh(where, reference), names)
            bare_process = time_process([sys.executable, "-c", BARE_PROCESS,
                                         str(_fresh(where) / "bare.duckdb"), *names])
            full_process = time_process([CRIMEPLAN, "ingest", "--home",
                                         str(_fresh(where, reference)), *names])
            for key, seconds in (("bare", bare["seconds"]), ("full", full["seconds"]),
                                 ("bare_process", bare_process.seconds),
                                 ("full_process", full_process.seconds),
                                 ("bare_process_cpu", bare_process.cpu_seconds),
                                 ("full_process_cpu", full_process.cpu_seconds)):
                times[key].append(seconds)
            peaks["bare"] = max(peaks.get("bare", 0), bare["peak_gib"])
            peaks["full"] = max(peaks.get("full", 0), full["peak_gib"])
            peaks["full_process"] = max(peaks.get("full_process", 0),
                                        full_process.peak_mib / 1024)
    median = {key: statistics.median(values) for key, values in times.items()}
    result = {"data": name, "files": len(files), "rows": full["rows"], "repeats": repeats,
              "load_average": round(os.getloadavg()[0], 2),  # 1 min: was the machine quiet?
              "bare_s": round(median["bare"], 2), "full_s": round(median["full"], 2),
              "ratio": round(median["full"] / median["bare"], 2),
              "bare_process_s": round(median["bare_process"], 2),
              "full_process_s": round(median["full_process"], 2),
              "process_ratio": round(median["full_process"] / median["bare_process"], 2),
              "bare_process_cpu_s": round(median["bare_process_cpu"], 2),
              "full_process_cpu_s": round(median["full_process_cpu"], 2),
              "bare_peak_gib": round(peaks["bare"], 2),
              "full_peak_gib": round(peaks["full"], 2),
              "full_process_peak_gib": round(peaks["full_process"], 2)}
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essex-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=1,
                        help="Runs of each measurement; medians are reported.")
    args = parser.parse_args()
    (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    essex = sorted(shared_or_exit("police-uk").glob("2018-0*/2018-0*-essex-street.csv"))
    results = [run("Essex street, Jan-Jul 2018", essex, args.repeats)]
    if not args.essex_only:
        national = sorted(build().rglob("*.csv"))
        results.append(run("synthetic national year (43 forces x 12 months)", national,
                           args.repeats))
    for r in results:
        for way, bare, full, ratio in (("in process", "bare_s", "full_s", "ratio"),
                                       ("whole processes", "bare_process_s", "full_process_s",
                                        "process_ratio")):
            verdict = "meets" if r[ratio] <= 3 else "MISSES"
            print(f"{r['data']}, {way}: {r['rows']:,} rows; bare {r[bare]} s, full {r[full]} s "
                  f"= {r[ratio]}x ({verdict} the 3x target)")
        print(f"  peak {r['full_peak_gib']} GiB in process, {r['full_process_peak_gib']} GiB as "
              f"a whole process; load average {r['load_average']}")


if __name__ == "__main__":
    main()
