"""Analysis benchmark: the full indicator set on the synthetic national year.

The national year (``benchmarks/synthetic.py``: about 6.5 million street rows, 43 forces,
12 months) is ingested once with the real ingest (LSOA and force-area enrichment) into
``benchmarks/out/analysis-home`` together with the shared reference data; that set-up is not
timed and is reused by later runs. Timed: every indicator over all 43 forces for the year,
computed in the warehouse (DuckDB SQL; Python only touches aggregates), then the full HTML
report for one force and for all 43.

Target: the full indicator set in under 30 s on 2 cores.
Run: ``.venv/bin/python benchmarks/analysis.py`` (needs ../shared/data).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from crimeplan import analysis as an  # noqa: E402
from crimeplan.report.analysis_report import build_report  # noqa: E402
from crimeplan.store import Warehouse  # noqa: E402
from synthetic import build, shared_or_exit  # noqa: E402

HOME = ROOT / "benchmarks" / "out" / "analysis-home"
TARGET_SECONDS = 30.0


def prepare() -> Path:
    """Ingest the national year and the shared reference once (not timed)."""
    done = HOME / ".complete"
    if done.exists():
        return HOME
    from crimeplan.store.ingest import ingest_paths
    from crimeplan.store.reference import load_reference

    national = build()
    shared = shared_or_exit("boundaries").parent
    ref = HOME / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    for sub in ("boundaries", "imd2019"):
        for f in (shared / sub).iterdir():
            if not (ref / f.name).exists():
                (ref / f.name).symlink_to(f)
    con = Warehouse(HOME).connect()
    load_reference(con, ref)
    con.close()
    print("ingesting the national year (once; not timed)…", flush=True)
    t0 = time.perf_counter()
    report = ingest_paths(HOME, sorted(national.glob("2019-*")))
    assert report.ok, [f.message for f in report.errors]
    print(f"  {report.totals()['rows_loaded']:,} rows in {time.perf_counter() - t0:.0f} s")
    done.write_text("ok\n")
    return HOME


def timed(name: str, work: Callable[[], Any], times: dict[str, float]) -> Any:
    t0 = time.perf_counter()
    result = work()
    times[name] = time.perf_counter() - t0
    print(f"  {name:<38} {times[name]:6.2f} s", flush=True)
    return result


def main() -> None:
    home = prepare()
    con = Warehouse(home).connect()
    rows = con.execute("SELECT count(*) FROM street").fetchall()[0][0]
    forces = con.execute("SELECT count(DISTINCT force) FROM street").fetchall()[0][0]
    print(f"{rows:,} street rows, {forces} forces; {platform.python_version()}, "
          f"{platform.machine()}")
    times: dict[str, float] = {}
    scope = an.resolve_scope(con)
    print(f"indicator set over {scope.label.lower()}, {scope.period}:")
    t = timed("trends by force (counts, 12m, yoy, index)", lambda: _trends(con, scope, "force"),
              times)
    timed("trends by district", lambda: _trends(con, scope, "lad"), times)
    timed("rates by force (by category)",
          lambda: an.crime_rates(con, scope, "force", by_category=True), times)
    timed("rates by district", lambda: an.crime_rates(con, scope, "lad"), times)
    timed("rates by LSOA", lambda: an.crime_rates(con, scope, "lsoa"), times)
    timed("largest rises by force", lambda: an.largest_rises(con, scope, "force"), times)
    timed("largest rises by district", lambda: an.largest_rises(con, scope, "lad"), times)
    timed("outcomes by force and category", lambda: an.outcome_shares(con, scope), times)
    for places in ("lsoa", "grid", "location"):
        timed(f"concentration ({places})", lambda p=places: an.concentration(con, scope, p),
              times)
    timed("deprivation (IMD deciles, Spearman)", lambda: an.deprivation(con, scope), times)
    timed("cost of crime", lambda: an.cost_of_crime(con, scope), times)
    timed("peer groups (force, district)",
          lambda: (an.peer_group(con, "essex"), an.peer_group(con, "E07000070", "lad")), times)
    total = sum(times.values())
    print(f"full indicator set: {total:.1f} s (target < {TARGET_SECONDS:.0f} s) -> "
          f"{'PASS' if total < TARGET_SECONDS else 'FAIL'}")
    print(f"(trends rows: {len(t.monthly):,})")
    for label, report_scope in (("one force (essex)", an.resolve_scope(con, force="essex")),
                                ("all 43 forces", scope)):
        t0 = time.perf_counter()
        report = build_report(con, report_scope)
        print(f"full HTML report, {label}, {report_scope.period}: "
              f"{time.perf_counter() - t0:.1f} s, {len(report.rows):,} indicator rows, "
              f"{len(report.html) / 1e6:.1f} MB")
    con.close()


def _trends(con: Any, scope: an.Scope, area_type: str) -> Any:
    trends = an.monthly_counts(con, scope, area_type)
    trends.rolling_12()
    trends.year_on_year()
    trends.indexed()
    return trends


if __name__ == "__main__":
    main()
