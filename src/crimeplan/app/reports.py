"""Use cases of the offline analysis report: a force's or area's report.html and
indicators.csv, recorded with the hash of the warehouse selection it was built from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crimeplan.analysis.scope import ScopeError, month_text, resolve_scope, selection_hash
from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.report.analysis_report import (
    AnalysisReport,
    ReportInputs,
    build_report,
)
from crimeplan.store import Warehouse


@dataclass(frozen=True)
class ReportRun:
    """A written report: its files, the selection hash it was built from, its run id."""

    html: Path
    indicators: Path
    selection_sha256: str
    run_id: str
    report: AnalysisReport


@use_case("report", run_kind="report")
def report(actor: Actor, home: Path, out: Path, *, force: str | None = None,
           area: str | None = None, start: str | None = None, end: str | None = None,
           inputs: ReportInputs | None = None) -> ReportRun:
    """Build and write the report for a force, an area or every force loaded."""
    parameters = {"force": force, "area": area, "from": start, "to": end, "out": str(out)}
    con = Warehouse(home).connect(read_only=True)
    try:
        with bad_input(ScopeError, OSError), RunRecorder(home, "report", actor,
                                                          parameters=parameters) as run:
            scope = resolve_scope(con, force=force, area=area, start=start, end=end)
            digest = selection_hash(con, scope)
            run.add_input_data("warehouse selection", digest, forces=list(scope.forces),
                               months=[month_text(scope.start), month_text(scope.end)],
                               district=scope.lad_code)
            built = build_report(con, scope, inputs)
            html_path, csv_path = built.write(out)
            run.add_output(html_path)
            run.add_output(csv_path)
            run.set_coverage({name: cov.to_dict() for name, cov in built.coverage.items()})
            run.set_result("indicator_rows", len(built.rows))
    finally:
        con.close()
    return ReportRun(html_path, csv_path, digest, run.run_id, built)
