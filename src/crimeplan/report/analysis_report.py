"""The force/area analysis report: one self-contained ``report.html`` (charts as inline SVG, the
LSOA map drawn from reference polygons, no tiles) and ``indicators.csv`` holding every number
the page shows, each with its unit and coverage note.

Sections whose data are not loaded (stop and search for a force that publishes none, LSOA
rates before the reference is loaded) say so instead of disappearing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely

from crimeplan.analysis import (
    CostTable,
    ScopeError,
    concentration,
    cost_of_crime,
    crime_rates,
    deprivation,
    disproportionality,
    largest_rises,
    monthly_counts,
    outcome_shares,
    peer_group,
    sql,
    stop_search_summary,
)
from crimeplan.analysis.areas import IMD_DENOMINATOR, covered_areas
from crimeplan.analysis.coverage import Coverage, coverage
from crimeplan.analysis.indicators import IndicatorRow, frame
from crimeplan.analysis.official import official_benchmark
from crimeplan.analysis.outcomes import REVISION_NOTE
from crimeplan.analysis.scope import Scope, month_text
from crimeplan.analysis.trends import ALL
from crimeplan.csvsafe import write_csv
from crimeplan.report.html import (
    Section,
    assert_self_contained,
    note,
    page,
    paragraph,
    svg_figure,
)
from crimeplan.report.html import table as html_table
from crimeplan.report.numbers import money, money_summary
from crimeplan.sources.home_office import RecordedCrime
from crimeplan.standard.codes import OUTCOME_GROUPS, crime_category

ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence "
               "v3.0 (data.police.uk; ONS; MHCLG). Contains OS data © Crown copyright and "
               "database right.")
TOP_CATEGORIES = 6
#: Maps with more LSOAs than this are drawn as an inline image inside the SVG (page size).
RASTER_ABOVE = 3000


@dataclass(frozen=True)
class ReportInputs:
    """Optional extras: a reference population by ethnicity and a replacement cost table."""

    ethnicity_population: dict[str, float] | None = None
    ethnicity_population_label: str = "user-supplied"
    reference_group: str = "White"
    costs: CostTable | None = None
    official: RecordedCrime | None = None
    min_count: int = 20
    top_n: int = 10


@dataclass
class AnalysisReport:
    """The page, its tidy numbers, and what it was built from."""

    title: str
    scope: Scope
    html: str = ""
    sections: list[Section] = field(default_factory=list)
    rows: list[IndicatorRow] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)

    @property
    def indicators(self) -> pd.DataFrame:
        return frame(self.rows)

    def write(self, out: Path) -> tuple[Path, Path]:
        """Write ``report.html`` and ``indicators.csv`` into ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        html_path, csv_path = out / "report.html", out / "indicators.csv"
        html_path.write_text(self.html, encoding="utf-8")
        write_csv(self.indicators, csv_path)
        return html_path, csv_path


def build_report(con: duckdb.DuckDBPyConnection, scope: Scope,
                 inputs: ReportInputs | None = None) -> AnalysisReport:
    """Compute every indicator for a scope and lay the page out."""
    inputs = inputs or ReportInputs()
    report = AnalysisReport(f"Crime analysis: {scope.label}, {scope.period}", scope)
    for title, anchor, build, needs_street in SECTIONS:
        section = Section(title, anchor)
        if needs_street and not report.coverage["street"].loaded_any:
            section.add(note(f"No street-level crime loaded for {scope.label} in "
                             f"{scope.period}.", warn=True))
        else:
            build(con, report, inputs, section)
        report.sections.append(section)
    intro = [paragraph(f"Police recorded crime for {scope.label}, {scope.period}. Every number "
                       "on this page is in indicators.csv with its unit and caveats.")]
    report.html = page(report.title, report.sections, intro=intro, footer=ATTRIBUTION)
    assert_self_contained(report.html)
    return report


# ---------------------------------------------------------------------------------------------
# Sections


def _summary(con: duckdb.DuckDBPyConnection, report: AnalysisReport, inputs: ReportInputs,
             section: Section) -> Section:
    scope = report.scope
    rows = []
    for dataset in ("street", "stop-and-search"):
        cov = coverage(con, scope, dataset)
        report.coverage[dataset] = cov
        for force in cov.forces:
            loaded = len(cov.months) - len(cov.missing_for(force))
            rows.append({"dataset": dataset, "force": force, "months in period": len(cov.months),
                         "months loaded": loaded,
                         "missing": ", ".join(month_text(m) for m in cov.missing_for(force))})
            report.rows.append(IndicatorRow("months_loaded", "force", force, scope.period,
                                            dataset, float(loaded), "months", cov.note()))
    crimes = sql.rows(con, f"SELECT count(*) FROM street s WHERE {scope.where('s')}",
                      scope.params())[0][0]
    report.rows.append(IndicatorRow("crimes_in_period", "scope", scope.label, scope.period, ALL,
                                    float(crimes), "crimes (street-level records, incl. "
                                    "anti-social behaviour)", report.coverage["street"].note()))
    section.add(paragraph(f"{crimes:,} street-level records (crimes and anti-social behaviour) "
                          f"in {scope.period}."))
    for cov in report.coverage.values():
        if cov.missing:
            section.add(note(cov.note(), warn=True))
    section.add(html_table(pd.DataFrame(rows), caption="Force-months loaded (partitions)"))
    return section


def _trends(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
            inputs: ReportInputs, section: Section) -> Section:
    trends = monthly_counts(con, report.scope, "lad" if report.scope.lad_code else "force")
    report.rows.extend(trends.rows())
    monthly = trends.monthly.groupby(["category", "month"], as_index=False)["crimes"].sum(
        min_count=1)
    wide = monthly.pivot(index="month", columns="category", values="crimes")
    top = _top_categories(wide)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(wide.index, wide[ALL], color="black", linewidth=2.2, label="All records")
    for cat in top:
        ax.plot(wide.index, wide[cat], marker="o", markersize=3, label=_label(cat))
    ax.set_ylabel("records per month")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    section.add(svg_figure(fig, "Monthly records: all and the largest categories"))
    if trends.coverage.missing:
        section.add(note(trends.coverage.note() + " (gaps in the lines, not zeros)", warn=True))
    table = wide.T.rename(index=_label)
    table.columns = [month_text(m) for m in table.columns]
    section.add(html_table(table.reset_index(names="category"), float_format="{:,.0f}",
                           caption="Records per month by category"))
    yoy = trends.year_on_year().dropna(subset=["pct_change"])
    if not yoy.empty:
        last = yoy[yoy["month"] == yoy["month"].max()]
        section.add(html_table(last[["category", "crimes", "crimes_year_before", "pct_change"]]
                               .assign(category=lambda f: f["category"].map(_label)),
                               caption=f"Year-on-year change, {month_text(last['month'].max())}"))
    else:
        section.add(note("Year-on-year changes and rolling 12-month totals need 13 or more "
                         "loaded months; this period has fewer."))
    return section


def _indexed(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
             inputs: ReportInputs, section: Section) -> Section:
    trends = monthly_counts(con, report.scope, "force", by_category=True)
    summed = trends.monthly.groupby(["category", "month"], as_index=False)["crimes"].sum(
        min_count=1)
    base = summed[summed["month"] == report.scope.start].set_index("category")["crimes"]
    summed["index"] = 100 * summed["crimes"] / summed["category"].map(base).where(
        summed["category"].map(base) > 0)
    wide = summed.pivot(index="month", columns="category", values="index")
    top = _top_categories(summed.pivot(index="month", columns="category", values="crimes"))
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.axhline(100, color="grey", linewidth=1)
    ax.plot(wide.index, wide[ALL], color="black", linewidth=2.2, label="All records")
    for cat in top:
        ax.plot(wide.index, wide[cat], label=_label(cat))
    ax.set_ylabel(f"index ({month_text(report.scope.start)} = 100)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    section.add(svg_figure(fig, trends.base_label()))
    section.add(paragraph("Each series divided by its own first-month count, times 100: a line "
                          "at 120 is 20% above its starting month. Small categories swing "
                          "widely."))
    if len(report.scope.forces) > 1:  # one force's index rows come with its trends
        for r in summed.itertuples():
            report.rows.append(IndicatorRow("indexed_trend", "scope", report.scope.label,
                                            month_text(r.month), r.category,
                                            None if pd.isna(r.index) else float(r.index),
                                            trends.base_label(), trends.coverage.note()))
    final = wide.iloc[-1].rename("index").reset_index()
    final["category"] = final["category"].map(_label)
    section.add(html_table(final, caption=f"Index in {month_text(wide.index[-1])}"))
    return section


def _rates(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
           inputs: ReportInputs, section: Section) -> Section:
    try:
        scope_rates = crime_rates(con, report.scope, "force", by_category=True)
        district = crime_rates(con, report.scope, "lad")
    except ScopeError as exc:
        return section.add(note(f"Rates need the reference data: {exc}", warn=True))
    report.rows.extend(scope_rates.rows())
    report.rows.extend(district.rows())
    section.add(paragraph(f"Denominator: {IMD_DENOMINATOR}. Rates are over the "
                          f"{len(report.scope.months)} months of the period, not annualised."))
    if scope_rates.note():
        section.add(note(scope_rates.note(), warn=True))
    t = scope_rates.table.assign(category=lambda f: f["category"].map(_label))
    section.add(html_table(t[["area_name", "category", "crimes", "population",
                              "rate_per_1000"]], caption=scope_rates.unit))
    section.add(html_table(district.table[["area", "area_name", "crimes", "population",
                                           "rate_per_1000"]],
                           caption=f"Districts: {district.unit}"))
    return section


def _rises(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
           inputs: ReportInputs, section: Section) -> Section:
    scope = report.scope
    if len(scope.months) < 2:
        return section.add(note("A rise needs at least two months in the period."))
    grouping = "force" if len(scope.forces) > 1 else ("lsoa" if scope.lad_code else "lad")
    by_cat = largest_rises(con, scope, "category", n=inputs.top_n, min_count=inputs.min_count)
    try:
        by_area = largest_rises(con, scope, grouping, n=inputs.top_n,
                                min_count=inputs.min_count)
    except ScopeError as exc:
        section.add(note(f"Rises by {grouping} need the reference data: {exc}", warn=True))
        by_area = None
    report.rows.extend(by_cat.rows())
    if by_area is not None:
        report.rows.extend(by_area.rows())
    section.add(paragraph(by_cat.note() + "."))
    top = by_cat.top_absolute()
    if not top.empty:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(top) + 1))
        ax.barh([_label(a) for a in top["area"]][::-1], top["change"].to_numpy()[::-1],
                color="#d4351c")
        ax.set_xlabel(f"change in records, {by_cat.after.label} vs {by_cat.before.label}")
        ax.grid(axis="x", alpha=0.3)
        section.add(svg_figure(fig, "Categories with the largest absolute rise"))
    tables = [("by category", by_cat)]
    if by_area is not None:
        tables.insert(0, (f"by {grouping}", by_area))
    for title, rises in tables:
        for label, t in (("percentage", rises.top_percentage()),
                         ("absolute", rises.top_absolute())):
            if t.empty:
                section.add(paragraph(f"No {label} rises {title}."))
                continue
            shown = t.assign(name=t["name"].map(_label) if rises.grouping == "category"
                             else t["name"])
            section.add(html_table(shown[["area", "name", "before", "after", "change",
                                          "pct_change"]],
                                   caption=f"Largest {label} rises {title}"))
    if by_area is not None and (by_area.excluded_forces or by_area.areas):
        section.add(note(by_area.note(), warn=bool(by_area.excluded_forces)))
    return section


def _outcomes(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
              inputs: ReportInputs, section: Section) -> Section:
    scope = report.scope
    out = outcome_shares(con, scope, "force")
    if out.table.empty:
        return section.add(note("No crimes with outcomes in the period."))
    counts = out.table.groupby(["category", "outcome_group"], as_index=False)["crimes"].sum()
    counts["share_pct"] = 100 * counts["crimes"] / counts.groupby("category")["crimes"].transform(
        "sum")
    for r in counts.itertuples():
        report.rows.append(IndicatorRow(f"outcome_share:{r.outcome_group}", "scope", scope.label,
                                        scope.period, r.category, float(r.share_pct),
                                        "% of crimes in the category", out.note()))
    wide = counts.pivot_table(index="category", columns="outcome_group", values="share_pct",
                              fill_value=0.0)
    order = [g for g in (*OUTCOME_GROUPS, "Unrecognised outcome") if g in wide.columns]
    wide = wide[order].rename(index=_label)
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(wide) + 1.5))
    left = np.zeros(len(wide))
    colours = plt.get_cmap("tab10")
    for i, group in enumerate(order):
        ax.barh(wide.index, wide[group], left=left, label=group, color=colours(i % 10))
        left += wide[group].to_numpy()
    ax.set_xlabel("% of crimes")
    ax.set_xlim(0, 100)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    section.add(svg_figure(fig, "Last outcome by category (anti-social behaviour excluded)"))
    section.add(note(REVISION_NOTE))
    section.add(html_table(wide.reset_index(names="category"), float_format="{:.1f}",
                           caption="Share of crimes by last outcome group (%)"))
    return section


def _stop_search(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
                 inputs: ReportInputs, section: Section) -> Section:
    scope = report.scope
    cov = report.coverage.get("stop-and-search") or coverage(con, scope, "stop-and-search")
    if not cov.loaded_any:
        return section.add(note(f"No stop and search data loaded for {scope.label} in "
                                f"{scope.period}.", warn=True))
    total = stop_search_summary(con, scope)
    report.rows.extend(total.rows())
    t = total.table.iloc[0]
    find = ("not recorded" if pd.isna(t.find_rate_pct) else f"{t.find_rate_pct:.1f}% of "
            "searches where the link was recorded")
    section.add(paragraph(f"{t.searches:,} searches; arrest rate {t.arrest_rate_pct:.1f}%; "
                          f"find rate (outcome linked to the object of search) {find}."))
    if total.note():
        section.add(note(total.note()))
    by_eth = stop_search_summary(con, scope, "ethnicity")
    report.rows.extend(by_eth.rows())
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
    a1.barh(by_eth.table["group"][::-1], by_eth.table["searches"][::-1], color="#1d70b8")
    a1.set_xlabel("searches")
    a2.barh(by_eth.table["group"][::-1], by_eth.table["arrest_rate_pct"][::-1],
            color="#d4351c", label="arrest rate")
    a2.barh(by_eth.table["group"][::-1], by_eth.table["find_rate_pct"].fillna(0)[::-1],
            height=0.4, color="#00703c", label="find rate (where recorded)")
    a2.set_xlabel("% of searches")
    a2.legend(fontsize=8)
    section.add(svg_figure(fig, "Searches, arrest and find rates by officer-defined ethnicity"))
    for breakdown, title in (("ethnicity", "officer-defined ethnicity"),
                             ("legislation", "legislation"), ("object", "object of search")):
        result = by_eth if breakdown == "ethnicity" else stop_search_summary(con, scope,
                                                                              breakdown)
        if breakdown != "ethnicity":
            report.rows.extend(result.rows())
        section.add(html_table(result.table[["group", "searches", "arrest_rate_pct",
                                             "find_rate_pct"]], caption=f"By {title}"))
    if inputs.ethnicity_population:
        try:
            disp = disproportionality(con, scope, inputs.ethnicity_population,
                                      reference_group=inputs.reference_group,
                                      population_label=inputs.ethnicity_population_label)
        except ScopeError as exc:
            section.add(note(f"Disproportionality not computed: {exc}", warn=True))
        else:
            report.rows.extend(disp.rows())
            section.add(html_table(disp.table, caption=f"Disproportionality: search rate per "
                                   f"1,000 against the {inputs.reference_group} group "
                                   f"(population: {inputs.ethnicity_population_label})"))
    else:
        section.add(note("Disproportionality ratios need a reference population by ethnic "
                         "group (crimeplan report --ethnicity-population FILE)."))
    return section


def _concentration(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
                   inputs: ReportInputs, section: Section) -> Section:
    rows = []
    for places in ("lsoa", "grid", "location"):
        c = concentration(con, report.scope, places)
        report.rows.extend(c.rows())
        rows.append({"places": c.place_label, "number of places": c.n_places,
                     "records": c.crimes, **{f"top {k}% share": v
                                             for k, v in c.top_share_pct.items()},
                     "Gini": c.gini})
    section.add(html_table(pd.DataFrame(rows), caption="Share of records in the top places"))
    section.add(paragraph(f"{c.universe}. Repeat locations: {c.repeat_locations:,} map points "
                          f"had two or more records, holding {c.repeat_share_pct:.1f}% of "
                          "mapped records. LSOA shares count every covered LSOA."))
    return section


def _deprivation(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
                 inputs: ReportInputs, section: Section) -> Section:
    try:
        d = deprivation(con, report.scope)
    except ScopeError as exc:
        return section.add(note(f"Deprivation needs the reference data: {exc}", warn=True))
    report.rows.extend(d.rows())
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(d.by_decile["imd_decile"].astype(int), d.by_decile["rate_per_1000"], color="#4c2c92")
    ax.set_xticks(range(1, 11))
    ax.set_xlabel("IMD 2019 decile (1 = most deprived 10% of LSOAs in England)")
    ax.set_ylabel("records per 1,000 residents")
    section.add(svg_figure(fig, f"Crime rate by IMD decile, {report.scope.period}"))
    section.add(note("The IMD contains a crime domain (9.3% of its weight, built from recorded "
                     "crime), so part of this association is built in: it describes where "
                     "crime is recorded, not why.", warn=True))
    section.add(paragraph(f"Spearman's rank correlation between LSOA rate and IMD rank: "
                          f"{d.spearman_rho:.3f} over {len(d.lsoa):,} LSOAs (rank 1 is the most "
                          "deprived, so a negative value means more crime where more deprived)."))
    if d.areas.note():
        section.add(note(d.areas.note(), warn=True))
    section.add(html_table(d.by_decile, caption=d.unit))
    return section


def _map(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
         inputs: ReportInputs, section: Section) -> Section:
    try:
        rates = crime_rates(con, report.scope, "lsoa")
    except ScopeError as exc:
        return section.add(note(f"The map needs the reference data: {exc}", warn=True))
    report.rows.extend(rates.rows())
    areas = covered_areas(con, report.scope)
    geoms = sql.frame(con, "SELECT lsoa11_code AS area, wkb FROM ref_lsoa_geom WHERE "
                           "lsoa11_code IN (SELECT unnest($lsoas))",
                      {"lsoas": list(areas.table["lsoa11_code"])})
    geoms["covered"] = geoms["area"].isin(areas.codes)
    if not geoms["covered"].any():
        return section.add(note("No LSOA boundaries for the covered areas.", warn=True))
    shapes = shapely.from_wkb(np.array([bytes(b) for b in geoms["wkb"]], dtype=object))
    everything = gpd.GeoDataFrame(geoms[["area", "covered"]], geometry=shapes,
                                  crs="EPSG:4326").to_crs("EPSG:27700")
    gdf = everything[everything["covered"]].merge(rates.table[["area", "rate_per_1000"]],
                                                  on="area", how="left")
    many = len(everything) > RASTER_ABOVE  # many polygons: an inline image keeps the page small
    fig, ax = plt.subplots(figsize=(8, 7), dpi=150 if many else 100)
    if not everything["covered"].all():
        everything[~everything["covered"]].plot(ax=ax, color="#e8e8e8", edgecolor="#bbbbbb",
                                                linewidth=0.1, hatch="///", rasterized=many)
    cap = float(np.nanpercentile(gdf["rate_per_1000"], 98)) if gdf["rate_per_1000"].notna().any() \
        else 1.0
    gdf.plot(column="rate_per_1000", cmap="YlOrRd", linewidth=0.1, edgecolor="#777777", ax=ax,
             rasterized=many,
             legend=True, vmin=0, vmax=cap, missing_kwds={"color": "#dddddd"},
             legend_kwds={"label": "records per 1,000 residents", "shrink": 0.6})
    ax.set_axis_off()
    section.add(svg_figure(fig, f"Records per 1,000 residents by LSOA, {report.scope.period} "
                                f"({IMD_DENOMINATOR}); colour scale capped at the 98th "
                                "percentile; hatched grey: districts not covered"))
    if rates.note():
        section.add(note(rates.note(), warn=True))
    top = rates.table.head(inputs.top_n)
    section.add(html_table(top[["area", "area_name", "crimes", "population", "rate_per_1000"]],
                           caption="Highest LSOA rates (all LSOA rates are in indicators.csv)"))
    return section


def _cost(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
          inputs: ReportInputs, section: Section) -> Section:
    cost = cost_of_crime(con, report.scope, inputs.costs)
    report.rows.extend(cost.rows())
    section.add(paragraph(f"Estimated cost of the recorded crimes: {money_summary(cost.total)} "
                          f"({cost.costs.price_base}). {cost.uncosted_crimes:,} records are in "
                          "categories with no unit cost."))
    section.add(note(f"Unit costs: {cost.costs.citation} Table version {cost.costs.version}, "
                     f"from {cost.costs.source}. Each police.uk category is costed at one "
                     "offence's rate (mostly a lower bound); read totals as indicative."))
    shown = cost.table.assign(category=cost.table["category"].map(_label),
                              cost_gbp=cost.table["cost_gbp"].where(cost.table["offence"].notna()))
    section.add(html_table(shown[["category", "crimes", "offence", "unit_cost_gbp", "cost_gbp",
                                  "limit"]], formats={"unit_cost_gbp": money, "cost_gbp": money},
                           caption=f"Cost by category ({cost.unit})"))
    return section


def _peers(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
           inputs: ReportInputs, section: Section) -> Section:
    scope = report.scope
    area, area_type = (scope.lad_code, "lad") if scope.lad_code else (scope.forces[0], "force")
    if len(scope.forces) > 1 and not scope.lad_code:
        return section.add(note("Peer groups are for one force or one district."))
    try:
        peers = peer_group(con, area, area_type)
    except ScopeError as exc:
        return section.add(note(f"Peer group not available: {exc}", warn=True))
    report.rows.extend(peers.rows())
    section.add(paragraph("Most similar areas on population, density and deprivation (share of "
                          "residents in the 20% most deprived LSOAs), each standardised across "
                          f"the {len(peers.features)} {area_type} areas in the reference data."))
    target = peers.features[peers.features["area"] == peers.area]
    shown = pd.concat([target.assign(distance=0.0), peers.peers])
    section.add(html_table(shown[["area", "name", "population", "density",
                                  "deprived_share_pct", "distance"]],
                           caption="Target (distance 0) and its peers"))
    return section


def _official(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
              inputs: ReportInputs, section: Section) -> Section:
    if inputs.official is None:
        return section.add(note("Give the Home Office recorded crime open data table "
                                "(crimeplan report --official FILE) to benchmark against the "
                                "official series."))
    table = inputs.official.table
    years = sorted(table.loc[table["force"].isin(report.scope.forces), "financial_year"])
    try:  # the latest financial year holding the scope's forces, else the latest of all
        bench = official_benchmark(con, inputs.official, years[-1] if years else None)
    except ScopeError as exc:
        return section.add(note(f"Official series not used: {exc}", warn=True))
    report.rows.extend(bench.rows())
    section.add(paragraph(f"Source: {inputs.official.source.name}. {bench.unit}."))
    section.add(note(bench.note()))
    mine = bench.table[bench.table["force"].isin(report.scope.forces)]
    if not mine.empty:
        section.add(html_table(mine.drop(columns=["force"]), caption="This scope's force(s)"))
    section.add(html_table(bench.table.head(inputs.top_n).drop(columns=["force"]),
                           caption=f"Highest rates, {bench.financial_year}"))
    return section


def _methods(con: duckdb.DuckDBPyConnection, report: AnalysisReport,
             inputs: ReportInputs, section: Section) -> Section:
    for text in (
        "Crime: data.police.uk street-level records, one row per crime or anti-social behaviour "
        "incident, located at anonymised map points; month resolution only.",
        "Coverage: every indicator consults the warehouse's partitions (dataset × force × "
        "month). Missing force-months are shown as gaps, left out of comparisons, and named.",
        f"Rates: per 1,000 residents, {IMD_DENOMINATOR}; a force's LSOAs are those of its "
        "districts, in districts with crime loaded (see each section's notes).",
        "Rises: the later period against the earlier one; percentage rises only where the "
        f"earlier count is at least {inputs.min_count}.",
        "Deprivation: English Indices of Deprivation 2019, which include a crime domain.",
        "Stop and search: arrest rate is a share of all searches; find rate (outcome linked to "
        "the object of search) a share of searches where that link was recorded; ethnicity is "
        "used only to audit searches.",
    ):
        section.add(paragraph(text))
    return section


# ---------------------------------------------------------------------------------------------
# Helpers


def _label(slug: str) -> str:
    """A category's published label ('all' → 'All records')."""
    if slug == ALL:
        return "All records"
    found = crime_category(slug)
    return found.label if found else slug


def _top_categories(wide: pd.DataFrame) -> list[str]:
    totals = wide.drop(columns=[ALL], errors="ignore").sum().sort_values(ascending=False)
    return list(totals.index[:TOP_CATEGORIES])



_Builder = Callable[[duckdb.DuckDBPyConnection, AnalysisReport, ReportInputs, Section], Section]

#: Report sections in order: title, anchor, builder, and whether it needs street crime.
SECTIONS: tuple[tuple[str, str, _Builder, bool], ...] = (
    ("Summary and data coverage", "summary", _summary, False),
    ("Trends", "trends", _trends, True),
    ("Indexed trends", "indexed", _indexed, True),
    ("Rates per 1,000 residents", "rates", _rates, True),
    ("Largest rises", "rises", _rises, True),
    ("Outcomes", "outcomes", _outcomes, True),
    ("Stop and search", "stop-search", _stop_search, False),
    ("Concentration", "concentration", _concentration, True),
    ("Deprivation", "deprivation", _deprivation, True),
    ("Map: LSOA crime rates", "map", _map, True),
    ("Cost of crime", "cost", _cost, True),
    ("Peer group", "peers", _peers, False),
    ("Official series", "official", _official, False),
    ("Data and methods", "methods", _methods, False),
)
