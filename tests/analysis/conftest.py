"""A small hand-built warehouse: Essex (24 complete months) and Kent (2018-03 missing), four
LSOAs in three districts, Metropolitan stop and search; counts chosen for hand computation.

Essex, each month i = 0..23 from 2017-01: burglary 10 + i in LSOA A (all at one map point),
violence 5 in LSOA B (1 charged, 2 no suspect, 1 under investigation, 1 blank), shoplifting
2 in LSOA C. Kent: burglary 20 a month in LSOA D, no partition for 2018-03.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from builder import Builder, months

LSOAS = [
    dict(code="E01000001", lad="E07000001", lad_name="Alpha", population=1000, imd_rank=100,
         imd_decile=1, area_km2=1.0, bounds=(0, 0, 1, 1)),
    dict(code="E01000002", lad="E07000001", lad_name="Alpha", population=2000, imd_rank=15000,
         imd_decile=5, area_km2=2.0, bounds=(1, 0, 2, 1)),
    dict(code="E01000003", lad="E07000002", lad_name="Beta", population=1500, imd_rank=32000,
         imd_decile=10, area_km2=3.0, bounds=(2, 0, 3, 1)),
    dict(code="E01000004", lad="E07000003", lad_name="Gamma", population=500, imd_rank=4000,
         imd_decile=2, area_km2=4.0, bounds=(10, 0, 11, 1)),
]
PFAS = [("E23000028", "Essex", (-0.5, -0.5, 3.5, 1.5)),
        ("E23000032", "Kent", (9.5, -0.5, 11.5, 1.5))]
VIOLENCE_OUTCOMES = ("Suspect charged", "Investigation complete; no suspect identified",
                     "Investigation complete; no suspect identified", "Under investigation",
                     None)


def build(home: Path, reference: bool = True) -> Builder:
    b = Builder(home)
    for i, m in enumerate(months("2017-01", "2018-12")):
        b.street("essex", m, "burglary", 10 + i, lsoa="E01000001", point=(0.5, 0.5))
        for k, outcome in enumerate(VIOLENCE_OUTCOMES):
            b.street("essex", m, "violent-crime", lsoa="E01000002", outcome=outcome,
                     point=(1.1 + 0.1 * k, 0.5))
        b.street("essex", m, "shoplifting", 2, lsoa="E01000003", point=(2.5, 0.5))
        if m.isoformat() != "2018-03-01":
            b.street("kent", m, "burglary", 20, lsoa="E01000004", point=(10.5, 0.5))
    b.partitions("street", "essex", "2017-01", "2018-12")
    b.partitions("street", "kent", "2017-01", "2018-12", skip=("2018-03",))
    met = months("2018-04", "2018-05")
    b.search("metropolitan", met[0], 4, ethnicity="White", outcome="Arrest", linked=True)
    b.search("metropolitan", met[0], 2, ethnicity="White", linked=False)
    b.search("metropolitan", met[1], 3, ethnicity="Black", linked=None,
             legislation="Police and Criminal Evidence Act 1984 (section 1)",
             object_of_search="Stolen goods")
    b.search("metropolitan", met[1], 1, ethnicity="Black", linked=False,
             legislation="Police and Criminal Evidence Act 1984 (section 1)",
             object_of_search="Stolen goods")
    b.partitions("stop-and-search", "metropolitan", "2018-04", "2018-05")
    if reference:
        b.reference(LSOAS, PFAS)
    return b


@pytest.fixture(scope="session")
def con(tmp_path_factory):
    connection = build(tmp_path_factory.mktemp("wh")).done()
    yield connection
    connection.close()
