"""Use cases of crime analysis: each indicator for a force, an area or every force loaded, and
the dashboard of a force or area that the service's pages show.

Every indicator run records the warehouse selection it read (the SHA-256 of the partitions'
file hashes and the reference versions) and what the data cover. Indicators read the warehouse
through bound parameters only, so many requests may run at once (``crimeplan.analysis.sql``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from crimeplan import analysis as an
from crimeplan.analysis.concentration import Concentration
from crimeplan.analysis.cost import CostTable, CrimeCost
from crimeplan.analysis.coverage import coverage
from crimeplan.analysis.deprivation import Deprivation
from crimeplan.analysis.official import OfficialBenchmark, official_benchmark
from crimeplan.analysis.outcomes import Outcomes
from crimeplan.analysis.peers import Peers
from crimeplan.analysis.rates import Denominator, Rates
from crimeplan.analysis.rises import Rises
from crimeplan.analysis.scope import Scope, ScopeError, month_text, resolve_scope, selection_hash
from crimeplan.analysis.stop_search import Disproportionality, StopSearch
from crimeplan.analysis.trends import Trends
from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store import Warehouse


@dataclass(frozen=True)
class Where:
    """What the caller asked to analyse: a force (slug or published name) or an area code
    (district or force area), and months (YYYY-MM; default every month loaded)."""

    force: str | None = None
    area: str | None = None
    start: str | None = None
    end: str | None = None

    def parameters(self) -> dict[str, str | None]:
        return {"force": self.force, "area": self.area, "from": self.start, "to": self.end}


@contextmanager
def _scoped(actor: Actor, home: Path, kind: str, where: Where, dataset: str = "street",
            **parameters: Any) -> Iterator[tuple[duckdb.DuckDBPyConnection, Scope, str]]:
    """The warehouse (read only), the resolved scope and the id of the run recording the
    computation: the selection read and its coverage; a bad scope is BadInput."""
    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(ScopeError, OSError), RunRecorder(
            home, kind, actor, parameters={**where.parameters(), **parameters}) as run:
        scope = resolve_scope(con, force=where.force, area=where.area, start=where.start,
                              end=where.end, dataset=dataset)
        run.add_input_data("warehouse selection", selection_hash(con, scope),
                           forces=list(scope.forces), district=scope.lad_code,
                           months=[month_text(scope.start), month_text(scope.end)])
        run.set_coverage({dataset: coverage(con, scope, dataset).to_dict()})
        yield con, scope, run.run_id


@use_case("analysis.trends", run_kind="analysis.trends")
def trends(actor: Actor, home: Path, where: Where, area_type: str = "force") -> Trends:
    """Crimes by category × area × month, with rolling, year-on-year and indexed series."""
    with _scoped(actor, home, "analysis.trends", where, by=area_type) as (con, scope, _):
        return an.monthly_counts(con, scope, area_type)


@use_case("analysis.rates", run_kind="analysis.rates")
def rates(actor: Actor, home: Path, where: Where, area_type: str = "force", *,
          by_category: bool = False, denominator: Denominator | None = None,
          area_set: pd.DataFrame | None = None) -> Rates:
    """Crimes per 1,000 residents, naming the denominator and its year."""
    with _scoped(actor, home, "analysis.rates", where, by=area_type, by_category=by_category,
                 denominator=denominator.label if denominator else None,
                 custom_areas=area_set is not None) as (con, scope, _):
        return an.crime_rates(con, scope, area_type, by_category=by_category,
                              denominator=denominator, area_set=area_set)


@use_case("analysis.rises", run_kind="analysis.rises")
def rises(actor: Actor, home: Path, where: Where, grouping: str = "force", *, n: int = 10,
          min_count: int = 20) -> Rises:
    """Areas (or categories) with the largest rise between two periods."""
    with _scoped(actor, home, "analysis.rises", where, by=grouping, top=n,
                 min_count=min_count) as (con, scope, _):
        return an.largest_rises(con, scope, grouping, n=n, min_count=min_count)


@use_case("analysis.outcomes", run_kind="analysis.outcomes")
def outcomes(actor: Actor, home: Path, where: Where) -> Outcomes:
    """Share of crimes by last outcome group, by category."""
    with _scoped(actor, home, "analysis.outcomes", where) as (con, scope, _):
        return an.outcome_shares(con, scope)


@use_case("analysis.stop-search", run_kind="analysis.stop-search")
def stop_search(actor: Actor, home: Path, where: Where, breakdown: str = "all") -> StopSearch:
    """Searches, arrest rate and find rate by one breakdown."""
    with _scoped(actor, home, "analysis.stop-search", where, "stop-and-search",
                 by=breakdown) as (con, scope, _):
        return an.stop_search_summary(con, scope, breakdown)


@use_case("analysis.disproportionality", run_kind="analysis.disproportionality")
def disproportionality(actor: Actor, home: Path, where: Where, population: dict[str, float],
                       *, reference_group: str = "White",
                       population_label: str = "user-supplied") -> Disproportionality:
    """Search rates per 1,000 of each ethnic group against the reference group's."""
    with _scoped(actor, home, "analysis.disproportionality", where, "stop-and-search",
                 reference_group=reference_group, population=population_label
                 ) as (con, scope, _):
        return an.disproportionality(con, scope, population, reference_group=reference_group,
                                     population_label=population_label)


@use_case("analysis.concentration", run_kind="analysis.concentration")
def concentration(actor: Actor, home: Path, where: Where, places: str = "lsoa",
                  cell_size: float = 250.0) -> Concentration:
    """Share of crime in the top 1/5/10% of places, Gini, repeat locations."""
    with _scoped(actor, home, "analysis.concentration", where, places=places,
                 cell_size=cell_size) as (con, scope, _):
        return an.concentration(con, scope, places, cell_size=cell_size)


@use_case("analysis.deprivation", run_kind="analysis.deprivation")
def deprivation(actor: Actor, home: Path, where: Where) -> Deprivation:
    """Crime rate by IMD 2019 decile and its rank correlation with IMD rank."""
    with _scoped(actor, home, "analysis.deprivation", where) as (con, scope, _):
        return an.deprivation(con, scope)


@use_case("analysis.cost", run_kind="analysis.cost")
def cost(actor: Actor, home: Path, where: Where, costs: CostTable | None = None) -> CrimeCost:
    """Estimated cost of crime with the Home Office unit costs (or a replacement table)."""
    with _scoped(actor, home, "analysis.cost", where,
                 costs=costs.source if costs else None) as (con, scope, _):
        return an.cost_of_crime(con, scope, costs)


@use_case("analysis.peers", run_kind="analysis.peers")
def peers(actor: Actor, home: Path, area: str, area_type: str = "force", n: int = 5) -> Peers:
    """The areas most similar to a force or district on population, density, deprivation."""
    parameters = {"area": area, "type": area_type, "top": n}
    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(ScopeError), RunRecorder(home, "analysis.peers", actor,
                                            parameters=parameters):
        return an.peer_group(con, area, area_type, n)


@use_case("analysis.official", run_kind="analysis.official")
def official(actor: Actor, home: Path, path: Path, *, by: str = "offence_group",
             force: str | None = None) -> pd.DataFrame:
    """Offences per force × offence × financial quarter from a Home Office recorded crime
    open data table."""
    from crimeplan.sources.home_office import RecordedCrimeError, read_recorded_crime

    with bad_input(RecordedCrimeError), RunRecorder(
            home, "analysis.official", actor,
            parameters={"path": str(path), "by": by, "force": force}) as run:
        run.add_input(path)
        return read_recorded_crime(path).series(by, force)


@use_case("analysis.official-benchmark", run_kind="analysis.official-benchmark")
def official_rank(actor: Actor, home: Path, path: Path,
                  financial_year: str | None = None) -> OfficialBenchmark:
    """Every force's recorded offences per 1,000 residents and rank in a financial year
    (default the latest), beside its police.uk counts."""
    from crimeplan.sources.home_office import RecordedCrimeError, read_recorded_crime

    with Warehouse(home).connect(read_only=True) as con, \
            bad_input(RecordedCrimeError, ScopeError), RunRecorder(
            home, "analysis.official-benchmark", actor,
            parameters={"path": str(path), "year": financial_year}) as run:
        run.add_input(path)
        return official_benchmark(con, read_recorded_crime(path), financial_year)


@dataclass(frozen=True)
class Dashboard:
    """The analysis of one force or area the service shows: trends, rates, outcomes,
    concentration, and stop and search (None where the scope has none), with the run that
    recorded it."""

    scope: Scope
    trends: Trends
    rates: Rates | None
    rates_problem: str | None
    outcomes: Outcomes
    concentration: Concentration
    stop_search: StopSearch | None
    run_id: str


@use_case("analysis.dashboard", run_kind="analysis.dashboard")
def dashboard(actor: Actor, home: Path, where: Where) -> Dashboard:
    """The wave 1 analysis of a force or an area (aggregates only), in one recorded run."""
    with _scoped(actor, home, "analysis.dashboard", where) as (con, scope, run_id):
        try:
            rates_, problem = an.crime_rates(con, scope, "lad"), None
        except ScopeError as exc:  # no reference data: the page says so
            rates_, problem = None, str(exc)
        searches = None
        if not scope.lad_code and coverage(con, scope, "stop-and-search").loaded_any:
            searches = an.stop_search_summary(con, scope, "ethnicity")
        return Dashboard(scope, an.monthly_counts(con, scope, "force", by_category=True),
                         rates_, problem, an.outcome_shares(con, scope),
                         an.concentration(con, scope, "lsoa"), searches, run_id)
