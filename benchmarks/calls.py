"""Calls-for-service benchmark: a generated command-and-control export of a realistic size
(default 1,000,000 calls over a year) ingested, then every demand measure computed.

Target (issue #16): the analysis of 1 million calls in under 30 s. Reported: generation, ingest
(with pseudonymisation) and analysis wall and CPU seconds, with the machine, its load and the
date, as JSON (``--json``) or a Markdown row for docs/benchmarks.md. The analysis runs
``--repeats`` times on a warm warehouse; the median and fastest are given.

Run: ``.venv/bin/python benchmarks/calls.py [--calls N] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from crimeplan.analysis.calls import calls_demand
from crimeplan.csvsafe import write_large_csv
from crimeplan.sources.calls_synth import generate_calls
from crimeplan.store import Warehouse
from crimeplan.store.calls import CallsSpec, ingest_calls

SPEC = CallsSpec(name="bench", time="CallDateTime", call_type="CallType", grade="Grade",
                 caller="CallerRef", lsoa="LSOA", arrival="ArrivedDateTime",
                 flags=(("mental_health", "MH_Flag"),))


def _timed(work):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, path = Path(tmp) / "home", Path(tmp) / "calls.csv"
        _, gen_s, _ = _timed(lambda: write_large_csv(generate_calls(args.calls, seed=1), path))
        file_mib = round(path.stat().st_size / 2**20, 1)
        report, ingest_s, ingest_cpu = _timed(lambda: ingest_calls(home, path, SPEC))
        assert report.ok and report.totals()["rows_loaded"] == args.calls, report.to_dict()
        con = Warehouse(home).connect(read_only=True)
        runs = []
        try:
            for _ in range(args.repeats):
                found, seconds, cpu = _timed(lambda: calls_demand(con, "bench"))
                runs.append((seconds, cpu))
        finally:
            con.close()
    walls = [w for w, _ in runs]
    figures = {
        "date": dt.date.today().isoformat(),
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 1),
        "calls": args.calls, "file_mib": file_mib, "generate_s": round(gen_s, 1),
        "ingest_s": round(ingest_s, 1), "ingest_cpu_s": round(ingest_cpu, 1),
        "analysis_median_s": round(statistics.median(walls), 2),
        "analysis_fastest_s": round(min(walls), 2),
        "analysis_cpu_s": round(statistics.median(c for _, c in runs), 2),
        "top5_callers_share": round(found.callers.top_share(), 4),
        "target_analysis_s": 30, "met": min(walls) < 30}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("| date | cores | load | calls | generate s | ingest s | analysis s (median / "
          "fastest) | target | met |")
    print(f"| {figures['date']} | {figures['cores']} | {figures['load_1min']} | "
          f"{args.calls:,} | {figures['generate_s']} | {figures['ingest_s']} | "
          f"{figures['analysis_median_s']} / {figures['analysis_fastest_s']} | < 30 s | "
          f"{'yes' if figures['met'] else 'no'} |")


if __name__ == "__main__":
    main()
