"""Use cases of offline reports: a force's or area's report.html and indicators.csv, and the
stop and search community review pack, each recorded with the hash of the warehouse selection
it was built from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crimeplan.analysis.scope import ScopeError, month_text, resolve_scope, selection_hash
from crimeplan.analysis.stop_search_pack import ReviewPack, quarter_months, review_pack
from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.report.analysis_report import (
    AnalysisReport,
    ReportInputs,
    build_report,
)
from crimeplan.report.stop_search_pack import PackFiles, write_pack
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
    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(ScopeError, OSError), RunRecorder(home, "report", actor,
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
    return ReportRun(html_path, csv_path, digest, run.run_id, built)


@dataclass(frozen=True)
class PackRun:
    """A written stop and search review pack: the pack, its files and its run id."""

    pack: ReviewPack
    files: PackFiles
    run_id: str


@use_case("report.stop-search-pack", run_kind="report.stop-search-pack")
def stop_search_pack(actor: Actor, home: Path, out: Path, *, force: str, quarter: str,
                     population: dict[str, float] | None = None,
                     reference_group: str = "White", population_label: str = "user-supplied",
                     sample_size: int = 20) -> PackRun:
    """The stop and search community review pack of one force and quarter: report.html,
    figures.csv and sample.csv, recorded with the warehouse selection it read."""
    parameters = {"force": force, "quarter": quarter, "out": str(out),
                  "population": population_label if population else None,
                  "reference_group": reference_group, "sample": sample_size}
    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(ScopeError, OSError), RunRecorder(
            home, "report.stop-search-pack", actor, parameters=parameters) as run:
        start, end = quarter_months(quarter)
        scope = resolve_scope(con, force=force, start=start, end=end,
                              dataset="stop-and-search")
        run.add_input_data("warehouse selection", selection_hash(con, scope),
                           forces=list(scope.forces),
                           months=[month_text(scope.start), month_text(scope.end)])
        pack = review_pack(con, scope, quarter, population=population,
                           reference_group=reference_group,
                           population_label=population_label, sample_size=sample_size)
        run.set_coverage({"stop-and-search": pack.overall.coverage.to_dict()})
        files = write_pack(pack, out)
        for path in (files.html, files.figures, files.sample):
            run.add_output(path)
        run.set_result("searches", int(pack.overall.table["searches"].sum()))
    return PackRun(pack, files, run.run_id)
