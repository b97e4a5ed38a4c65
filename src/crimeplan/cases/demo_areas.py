"""Where the demo's generated caseloads live: the Essex districts of the bundled police.uk
sample (Basildon, Chelmsford, Colchester, Southend-on-Sea), their LSOAs and deprivation
deciles from the sample's IMD 2019 file, and made-up but plausible addresses and names.

Programmes' ``seed_demo`` functions draw from here with their own seeded random generator, so
a demo is the same every time it is seeded on the same day.
"""

from __future__ import annotations

import csv
import gzip
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crimeplan.errors import DataMissing

IMD = (Path(__file__).resolve().parents[3] / "data" / "sample" / "reference"
       / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz")

#: The sample's districts and their postcode districts.
DISTRICTS = {"Basildon": ("SS13", "SS14", "SS15", "SS16"), "Chelmsford": ("CM1", "CM2"),
             "Colchester": ("CO1", "CO2", "CO3", "CO4"),
             "Southend-on-Sea": ("SS0", "SS1", "SS2", "SS9")}
STREETS = ("High Street", "Church Road", "Station Road", "Victoria Road", "Mill Lane",
           "London Road", "Park Avenue", "Queens Road", "Market Square", "Kings Close",
           "Elm Grove", "Windsor Way", "Chestnut Drive", "Meadow Walk", "Harbour Court")
GIVEN = ("Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "Leo", "Mia", "Noah", "Lily",
         "Charlie", "Grace", "Alfie", "Freya", "Oscar", "Ella", "George", "Evie", "Jacob",
         "Poppy", "Riley", "Sophie", "Mason", "Chloe", "Kai", "Ruby", "Tyler", "Jade",
         "Callum", "Megan", "Dylan", "Holly", "Kacper", "Zainab", "Tomasz", "Aisha")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
          "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Hussain", "Nowak", "Okafor",
          "Murphy", "Kelly", "Cooper", "Ward", "Turner")


@dataclass(frozen=True)
class Area:
    """An LSOA of the demo districts with its IMD 2019 decile (1: most deprived)."""

    lsoa11_code: str
    district: str
    decile: int


@cache
def areas() -> tuple[Area, ...]:
    """The LSOAs of the four districts, from the bundled sample."""
    if not IMD.exists():
        raise DataMissing(f"{IMD} is missing: the demo needs the bundled sample data")
    with gzip.open(IMD, "rt", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(Area(r["LSOA code (2011)"], r["Local Authority District name (2019)"],
                      int(r["Index of Multiple Deprivation (IMD) Decile"]))
                 for r in rows if r["Local Authority District name (2019)"] in DISTRICTS)


def pick_area(rng: random.Random, district: str | None = None) -> Area:
    """An LSOA, more deprived ones more often (as recorded crime and ASB are)."""
    pool = [a for a in areas() if district is None or a.district == district]
    return rng.choices(pool, weights=[11 - a.decile for a in pool])[0]


def address(rng: random.Random, area: Area) -> dict[str, str]:
    """A made-up address in an area: the fields of a ``Location``."""
    outward = rng.choice(DISTRICTS[area.district])
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}" \
               f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
    return {"address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {area.district}",
            "postcode": postcode, "uprn": str(rng.randint(10**11, 10**12 - 1)),
            "lsoa11_code": area.lsoa11_code}


def name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(GIVEN), rng.choice(FAMILY)
