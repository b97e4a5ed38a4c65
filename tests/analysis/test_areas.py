"""Which districts a scope covers: a district with next to no crime loaded is left out."""

from __future__ import annotations

import datetime as dt

import pytest
from builder import Builder

from crimeplan.analysis.areas import covered_areas
from crimeplan.analysis.scope import resolve_scope

LSOAS = [
    dict(code="E01000001", lad="E07000001", lad_name="Alpha", population=1000, imd_rank=1,
         imd_decile=1, area_km2=1.0, bounds=(0, 0, 1, 1)),
    dict(code="E01000002", lad="E07000002", lad_name="Beta", population=1000, imd_rank=2,
         imd_decile=1, area_km2=1.0, bounds=(1, 0, 2, 1)),
]


@pytest.mark.parametrize(("beta_crimes", "covered"), [(2, False), (3, True)])
def test_district_needs_five_percent_of_the_scope_rate(tmp_path, beta_crimes, covered):
    b = Builder(tmp_path)
    jan = dt.date(2018, 1, 1)
    b.street("essex", jan, "burglary", 100, lsoa="E01000001")
    b.street("essex", jan, "burglary", beta_crimes, lsoa="E01000002")
    b.partitions("street", "essex", "2018-01", "2018-01")
    b.reference(LSOAS, [("E23000028", "Essex", (-1, -1, 3, 2))])
    con = b.done()
    # overall rate (100 + k) / 2000 per resident; Beta needs k >= 0.05 * rate * 1000
    areas = covered_areas(con, resolve_scope(con, force="essex"))
    assert ("Beta" in areas.districts) is covered
    assert areas.population == (2000 if covered else 1000)
    if not covered:
        assert areas.note() == ("districts with (next to) no crime loaded treated as not "
                                "covered: Beta")
