"""The analysis pages: the dashboard of a force or area (trends, rates, outcomes, concentration,
stop and search; charts drawn on the server as SVG images, each with its table), and the
hotspot forecast on an interactive map.

Both are aggregates: analysts and the PCC's office see them. Each is a thin shell over the
application layer (``crimeplan.app.analysis``, ``crimeplan.app.maps``), whose runs are
recorded with the signed-in user as the actor.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from crimeplan.analysis.scope import month_text
from crimeplan.analysis.trends import ALL
from crimeplan.app import analysis, maps
from crimeplan.cases.actor import Actor
from crimeplan.errors import BadInput
from crimeplan.report import charts
from crimeplan.web.api.schemas import PRINTABLE
from crimeplan.web.deps import Authorise, acting, get_settings
from crimeplan.web.pages.render import page
from crimeplan.web.policy import Action

router = APIRouter()
Analyst = Annotated[Actor, Depends(Authorise(Action.ANALYSIS_READ))]
MapReader = Annotated[Actor, Depends(Authorise(Action.HOTSPOTS_READ))]
Field = Annotated[str, Query(max_length=60, pattern=PRINTABLE)]
Month = Annotated[str, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$")]


@dataclass(frozen=True)
class Chart:
    """A chart as an SVG image (a data: URL, allowed by the CSP's img-src) with its text
    alternative; the same numbers are in the table beside it."""

    src: str
    alt: str

    @classmethod
    def of(cls, figure: Any, alt: str) -> Chart:
        svg = charts.svg_text(figure).encode("utf-8")
        return cls("data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), alt)


def _table(frame: pd.DataFrame) -> dict[str, Any]:
    """Header and rows of a frame for the GOV.UK table macro (numbers formatted)."""
    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "–"
        if isinstance(value, float):
            return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    return {"head": [str(c) for c in frame.columns],
            "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)]}


def _trends(d: analysis.Dashboard) -> tuple[Chart, dict[str, Any]]:
    monthly = d.trends.monthly.groupby(["category", "month"], as_index=False)["crimes"].sum(
        min_count=1)
    wide = monthly.pivot(index="month", columns="category", values="crimes")
    shown = [ALL, *charts.top_categories(wide)]
    chart = Chart.of(charts.monthly_records(wide),
                     f"Line chart of records per month, {d.scope.period}: all records and the "
                     "largest categories. The table below gives the numbers.")
    table = wide[shown].rename(columns=charts.category_label)
    table.index = [month_text(m) for m in table.index]
    return chart, _table(table.reset_index(names="Month"))


def _outcomes(d: analysis.Dashboard) -> tuple[Chart | None, dict[str, Any]]:
    wide = d.outcomes.pivot()
    if wide.empty:
        return None, _table(wide)
    wide = wide.rename(index=charts.category_label)
    chart = Chart.of(charts.outcome_shares(wide),
                     "Stacked bar chart of the share of each category's crimes by last "
                     "outcome. The table below gives the numbers.")
    return chart, _table(wide.reset_index(names="Category"))


def _rates(d: analysis.Dashboard) -> dict[str, Any] | None:
    if d.rates is None:
        return None
    t = d.rates.table.loc[d.rates.table["category"] == ALL]
    t = t[["area_name", "crimes", "population", "rate_per_1000"]].sort_values(
        "rate_per_1000", ascending=False)
    return _table(t.set_axis(["District", "Crimes", "Residents", "Per 1,000"], axis=1))


def _searches(d: analysis.Dashboard) -> dict[str, Any] | None:
    if d.stop_search is None:
        return None
    t = d.stop_search.table[["group", "searches", "arrests", "arrest_rate_pct", "finds",
                             "find_rate_pct"]]
    return _table(t.set_axis(["Ethnicity (officer-defined)", "Searches", "Arrests",
                              "Arrest rate (%)", "Finds", "Find rate (%)"], axis=1))


@router.get("/analysis")
def dashboard(request: Request, actor: Analyst, force: Field = "", area: Field = "",
              start: Annotated[Month, Query(alias="from")] = "",
              end: Annotated[Month, Query(alias="to")] = "") -> Response:
    """Choose a force or an area (and months); then its analysis."""
    form = {"force": force, "area": area, "from": start, "to": end}
    if not force and not area:
        return page(request, "analysis_dashboard.html", title="Crime analysis", form=form)
    where = analysis.Where(force or None, area or None, start or None, end or None)
    try:
        d = analysis.dashboard(acting(request, actor), get_settings(request).home, where)
    except BadInput as exc:
        field = "area" if area and not force else "force"
        return page(request, "analysis_dashboard.html", 400, title="Crime analysis", form=form,
                    errors=[{"text": exc.message, "href": f"#{field}", "field": field}])
    trend_chart, trend_table = _trends(d)
    outcome_chart, outcome_table = _outcomes(d)
    return page(request, "analysis_dashboard.html", title=f"Crime analysis: {d.scope.label}",
                form=form, d=d, trend_chart=trend_chart, trend_table=trend_table,
                outcome_chart=outcome_chart, outcome_table=outcome_table, rates=_rates(d),
                searches=_searches(d))


@router.get("/map")
def hotspot_map(request: Request, actor: MapReader,
                run: Annotated[str, Query(max_length=36, pattern=PRINTABLE)] = "") -> Response:
    """The latest (or the chosen) hotspot forecast on a map, with its patrol areas listed."""
    home = get_settings(request).home
    actor = acting(request, actor)
    recorded = maps.forecasts(actor, home)
    chosen = run or (recorded[0].run_id if recorded else "")
    shown = maps.hotspots(actor, home, chosen, outlines=False) if chosen else None
    settings = get_settings(request)
    return page(request, "analysis_map.html", title="Hotspot forecast map", forecasts=recorded,
                shown=shown, tile_url=settings.tile_url,
                tile_attribution=settings.tile_attribution)
