"""``crimeplan analysis``: one indicator at a time, as a table or JSON."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from crimeplan.analysis.cost import CostTable
from crimeplan.analysis.rates import read_area_set, read_denominator
from crimeplan.analysis.scope import ScopeError
from crimeplan.analysis.stop_search import read_reference_population
from crimeplan.app import analysis as use
from crimeplan.app.analysis import Where
from crimeplan.cli.common import (
    HomeOption,
    JsonOption,
    PurposeOption,
    actor,
    console,
    fail,
    home_dir,
    print_json,
    reported,
)

app = typer.Typer(help="Crime analysis indicators: trends, rates, rises, outcomes, stop and "
                       "search, concentration, deprivation, cost of crime, peer groups and the "
                       "official recorded crime series.", no_args_is_help=True)

ForceOption = Annotated[str | None, typer.Option("--force", help="Force slug or published "
                                                                 "name (default: all loaded).")]
AreaOption = Annotated[str | None, typer.Option("--area", help="District (LAD) or force area "
                                                               "code.")]
FromOption = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]


def _emit(title: str, frame: pd.DataFrame, note: str, as_json: bool,
          extra: dict[str, Any] | None = None) -> None:
    """Print a result table (Rich) or JSON with its note."""
    if as_json:
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in row.items()} for row in frame.to_dict(orient="records")]
        print_json({"title": title, "note": note, **(extra or {}), "rows": records})
        return
    table = Table(*[str(c) for c in frame.columns], title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    if note:
        console.print(f"[yellow]note:[/] {escape(note)}", markup=True)


@app.command("trends")
def trends(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
           end: ToOption = None,
           area_type: Annotated[str, typer.Option("--by", help="force, lad or lsoa.")] = "force",
           measure: Annotated[str, typer.Option(
               "--measure", help="counts, rolling (12 months), yoy or index.")] = "counts",
           home: HomeOption = None, as_json: JsonOption = False,
           purpose: PurposeOption = None) -> None:
    """Crimes by category × area × month, rolling 12 months, year-on-year or indexed."""
    with reported():
        t = use.trends(actor(purpose), home_dir(home), Where(force, area, start, end),
                       area_type)
    frames = {"counts": lambda: t.monthly, "rolling": t.rolling_12, "yoy": t.year_on_year,
              "index": t.indexed}
    if measure not in frames:
        fail("--measure must be counts, rolling, yoy or index")
    frame = frames[measure]()
    frame = frame.assign(month=frame["month"].map(lambda m: m.strftime("%Y-%m")))
    _emit(f"Trends ({measure}): {t.scope.label}, {t.scope.period}", frame,
          t.coverage.note(), as_json)


@app.command("rates")
def rates(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
          end: ToOption = None,
          area_type: Annotated[str, typer.Option(
              "--by", help="force, lad, lsoa or custom (with --areas).")] = "force",
          by_category: Annotated[bool, typer.Option("--by-category")] = False,
          population: Annotated[Path | None, typer.Option(
              "--population", help="CSV (area, population) replacing the IMD 2019 "
                                   "denominators.")] = None,
          population_label: Annotated[str, typer.Option(
              "--population-label", help="What --population is, e.g. 'ONS mid-2020'.")]
          = "user-supplied population",
          areas: Annotated[Path | None, typer.Option(
              "--areas", help="CSV (lsoa11_code, area) defining custom areas.")] = None,
          home: HomeOption = None, as_json: JsonOption = False,
          purpose: PurposeOption = None) -> None:
    """Crimes per 1,000 residents, naming the denominator and its year."""
    try:
        denominator = read_denominator(population, population_label) if population else None
        area_set = read_area_set(areas) if areas else None
    except (ScopeError, OSError) as exc:
        fail(str(exc))
    with reported():
        r = use.rates(actor(purpose), home_dir(home), Where(force, area, start, end),
                      area_type, by_category=by_category, denominator=denominator,
                      area_set=area_set)
    _emit(f"Rates: {r.unit}", r.table, r.note(), as_json, {"unit": r.unit})


@app.command("rises")
def rises(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
          end: ToOption = None,
          grouping: Annotated[str, typer.Option("--by", help="force, lad, lsoa or "
                                                             "category.")] = "force",
          n: Annotated[int, typer.Option("--top", help="How many areas.")] = 10,
          min_count: Annotated[int, typer.Option(
              "--min-count", help="Smallest earlier-period count for a percentage rise.")] = 20,
          absolute: Annotated[bool, typer.Option(
              "--absolute", help="Rank by absolute rather than percentage rise.")] = False,
          home: HomeOption = None, as_json: JsonOption = False,
          purpose: PurposeOption = None) -> None:
    """Areas with the largest rise: last 12 months vs the 12 before, or half vs half."""
    with reported():
        r = use.rises(actor(purpose), home_dir(home), Where(force, area, start, end),
                      grouping, n=n, min_count=min_count)
    frame = r.top_absolute() if absolute else r.top_percentage()
    _emit(f"Largest {'absolute' if absolute else 'percentage'} rises by {grouping}",
          frame.drop(columns=["eligible"]), r.note(), as_json)


@app.command("outcomes")
def outcomes(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
             end: ToOption = None, home: HomeOption = None, as_json: JsonOption = False,
             purpose: PurposeOption = None) -> None:
    """Share of crimes by last outcome group, by category."""
    with reported():
        o = use.outcomes(actor(purpose), home_dir(home), Where(force, area, start, end))
    _emit(f"Outcomes: {o.scope.label}, {o.scope.period}", o.table, o.note(), as_json)


@app.command("stop-search")
def stop_search(force: ForceOption = None, start: FromOption = None, end: ToOption = None,
                breakdown: Annotated[str, typer.Option(
                    "--by", help="all, legislation, object, ethnicity or "
                                 "self_defined_ethnicity.")] = "all",
                population: Annotated[Path | None, typer.Option(
                    "--population", help="CSV (group, population) for disproportionality "
                                         "by officer-defined ethnicity.")] = None,
                reference_group: Annotated[str, typer.Option("--reference-group")] = "White",
                home: HomeOption = None, as_json: JsonOption = False,
                purpose: PurposeOption = None) -> None:
    """Searches, arrest rate and find rate; with --population, disproportionality ratios."""
    try:
        pop = read_reference_population(population) if population else None
    except (ScopeError, OSError) as exc:
        fail(str(exc))
    where = Where(force, None, start, end)
    if pop is not None:
        with reported():
            d = use.disproportionality(actor(purpose), home_dir(home), where, pop,
                                       reference_group=reference_group,
                                       population_label=str(population))
        _emit(f"Disproportionality against {reference_group}", d.table, d.coverage.note(),
              as_json)
        return
    with reported():
        s = use.stop_search(actor(purpose), home_dir(home), where, breakdown)
    _emit(f"Stop and search by {breakdown}: {s.scope.label}, {s.scope.period}", s.table,
          s.note(), as_json)


@app.command("concentration")
def concentration(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
                  end: ToOption = None,
                  places: Annotated[str, typer.Option("--places", help="lsoa, grid or "
                                                                       "location.")] = "lsoa",
                  cell_size: Annotated[float, typer.Option("--cell-size",
                                                           help="Grid cell, metres.")] = 250.0,
                  home: HomeOption = None, as_json: JsonOption = False,
                  purpose: PurposeOption = None) -> None:
    """Share of crime in the top 1/5/10% of places, Gini, repeat locations."""
    with reported():
        c = use.concentration(actor(purpose), home_dir(home), Where(force, area, start, end),
                              places, cell_size)
    frame = pd.DataFrame([{"indicator": r.indicator, "value": r.value, "unit": r.unit}
                          for r in c.rows()])
    _emit(f"Concentration across {c.place_label}: {c.scope.label}, {c.scope.period}", frame,
          c.note(), as_json)


@app.command("deprivation")
def deprivation(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
                end: ToOption = None, home: HomeOption = None,
                as_json: JsonOption = False, purpose: PurposeOption = None) -> None:
    """Crime rate by IMD 2019 decile and its rank correlation with IMD rank."""
    with reported():
        d = use.deprivation(actor(purpose), home_dir(home), Where(force, area, start, end))
    _emit(f"Deprivation: {d.unit}; Spearman rho {d.spearman_rho:.3f} over {len(d.lsoa):,} "
          "LSOAs", d.by_decile, d.note(), as_json, {"spearman_rho": d.spearman_rho})


@app.command("cost")
def cost(force: ForceOption = None, area: AreaOption = None, start: FromOption = None,
         end: ToOption = None,
         costs: Annotated[Path | None, typer.Option(
             "--costs", help="Folder replacing the shipped unit-cost table.")] = None,
         home: HomeOption = None, as_json: JsonOption = False,
         purpose: PurposeOption = None) -> None:
    """Estimated cost of crime with the Home Office unit costs (Heeks et al. 2018)."""
    try:
        table = CostTable.load(costs) if costs else None
    except ScopeError as exc:
        fail(str(exc))
    with reported():
        c = use.cost(actor(purpose), home_dir(home), Where(force, area, start, end), table)
    _emit(f"Cost of crime, total £{c.total:,.0f} ({c.unit})", c.table, c.note(), as_json,
          {"total_gbp": c.total, "citation": c.costs.citation})


@app.command("peers")
def peers(area: Annotated[str, typer.Argument(help="Force (slug or name) or district code.")],
          area_type: Annotated[str, typer.Option("--type", help="force or lad.")] = "force",
          n: Annotated[int, typer.Option("--top")] = 5,
          home: HomeOption = None, as_json: JsonOption = False,
          purpose: PurposeOption = None) -> None:
    """The most similar areas on population, density and deprivation."""
    with reported():
        p = use.peers(actor(purpose), home_dir(home), area, area_type, n)
    _emit(f"Peers of {p.area}", p.peers, "", as_json)


@app.command("official")
def official(path: Annotated[Path, typer.Argument(help="Home Office recorded crime open data "
                                                       "table (CSV).")],
             force: ForceOption = None,
             by: Annotated[str, typer.Option(
                 "--by", help="offence_group, offence_subgroup, offence_description or all.")]
             = "offence_group",
             benchmark: Annotated[str | None, typer.Option(
                 "--benchmark", help="Rank every force on offences per 1,000 residents in this "
                                     "financial year (e.g. 2017/18; 'latest').")] = None,
             home: HomeOption = None, as_json: JsonOption = False,
             purpose: PurposeOption = None) -> None:
    """Offences per force × offence × financial quarter from the official series, or (with
    --benchmark) every force's rate and rank for a financial year."""
    if benchmark is not None:
        with reported():
            b = use.official_rank(actor(purpose), home_dir(home), path,
                                  None if benchmark == "latest" else benchmark)
        _emit(f"Official series benchmark: {b.unit}", b.table.astype({"rank": "float64"}),
              b.note(), as_json, {"unit": b.unit})
        return
    with reported():
        series = use.official(actor(purpose), home_dir(home), path, by=by, force=force)
    series = series.assign(quarter_start=series["quarter_start"].map(str))
    _emit(f"Police recorded crime (Home Office): {path.name}", series, "", as_json)
