"""Peer groups: the areas most similar to one area on population, density and deprivation,
for "most similar group" comparisons.

Features per force area or district, from the reference LSOAs: log10 population (mid-2015),
log10 residents per km², and the share of residents in the 20% most deprived LSOAs (IMD 2019
deciles 1-2). Each is z-scored across all areas of the type; peers are the nearest by
Euclidean distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from crimeplan.analysis import sql
from crimeplan.analysis.areas import IMD_DENOMINATOR, lsoa_force
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.scope import ScopeError, require_reference
from crimeplan.standard.forces import FORCES, find_force

FEATURES = ("log_population", "log_density", "deprived_share_pct")


@dataclass(frozen=True)
class Peers:
    """The target area's features and its nearest areas with their distances."""

    area: str
    area_type: str
    features: pd.DataFrame  # area, name, population, density, deprived_share_pct, z-scores
    peers: pd.DataFrame     # area, name, population, density, deprived_share_pct, distance

    def rows(self) -> list[IndicatorRow]:
        note = (f"similarity on log population, log density and % of residents in IMD deciles "
                f"1-2 ({IMD_DENOMINATOR}), z-scored, Euclidean")
        rows = []
        target = self.features[self.features["area"] == self.area]
        for rank, r in enumerate([*target.itertuples(), *self.peers.itertuples()]):
            label = "target" if rank == 0 else f"peer {rank}"
            rows += [
                IndicatorRow("peer_population", self.area_type, str(r.area), "mid-2015",
                             label, float(r.population), "residents", note),
                IndicatorRow("peer_density", self.area_type, str(r.area), "mid-2015", label,
                             float(r.density), "residents per km²", note),
                IndicatorRow("peer_deprived_share", self.area_type, str(r.area), "IMD 2019",
                             label, float(r.deprived_share_pct),
                             "% of residents in IMD deciles 1-2", note),
            ]
            if rank:
                rows.append(IndicatorRow("peer_distance", self.area_type, str(r.area),
                                         "reference", label, float(r.distance),
                                         f"standardised distance from {self.area}", note))
        return rows


def area_features(con: duckdb.DuckDBPyConnection, area_type: str = "force") -> pd.DataFrame:
    """Population, density and deprived share for every force area or district."""
    require_reference(con, "ref_lsoa")
    params: dict[str, object] = {}
    if area_type == "force":
        forces_sql, params = lsoa_force(con)
        key, name, join = "lf.force", "lf.force", f"JOIN ({forces_sql}) lf USING (lsoa11_code)"
    elif area_type == "lad":
        key, name, join = "r.lad19_code", "any_value(r.lad19_name)", ""
    else:
        raise ScopeError("peer groups are for area types force or lad")
    frame = sql.frame(con, f"""
        SELECT {key} AS area, {name} AS name, sum(r.population) AS population,
               sum(r.area_km2) AS area_km2,
               100.0 * sum(r.population) FILTER (WHERE r.imd_decile <= 2) / sum(r.population)
                   AS deprived_share_pct
        FROM ref_lsoa r {join} WHERE {key} IS NOT NULL GROUP BY 1""", params)
    frame = frame.astype({"population": "float64", "area_km2": "float64"})
    if area_type == "force":
        names = {f.slug: f.name for f in FORCES}
        frame["name"] = frame["area"].map(lambda a: names.get(a, a))
    frame["deprived_share_pct"] = frame["deprived_share_pct"].fillna(0.0)
    frame["density"] = frame["population"] / frame["area_km2"]
    frame["log_population"] = np.log10(frame["population"])
    frame["log_density"] = np.log10(frame["density"])
    for f in FEATURES:
        sd = frame[f].std(ddof=0)
        frame[f"z_{f}"] = (frame[f] - frame[f].mean()) / sd if sd > 0 else 0.0
    return frame


def peer_group(con: duckdb.DuckDBPyConnection, area: str, area_type: str = "force",
               n: int = 5) -> Peers:
    """The ``n`` areas nearest to ``area`` (a force slug or name, or a district code)."""
    if area_type == "force":
        found = find_force(area)
        if found is None:
            raise ScopeError(f"unknown force {area!r}")
        area = found.slug
    features = area_features(con, area_type)
    if area not in set(features["area"]):
        raise ScopeError(f"{area!r} has no reference LSOAs: load the reference for its area")
    z = features[[f"z_{f}" for f in FEATURES]].to_numpy()
    target = z[features["area"].to_numpy() == area][0]
    features["distance"] = np.sqrt(((z - target) ** 2).sum(axis=1))
    peers = (features[features["area"] != area].sort_values(["distance", "area"]).head(n)
             [["area", "name", "population", "density", "deprived_share_pct", "distance"]])
    return Peers(area, area_type, features, peers.reset_index(drop=True))
