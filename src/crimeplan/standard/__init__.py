"""The common data standard: record types, code lists and validation rules.

One source of truth for the names used everywhere else in crimeplan.
"""

from crimeplan.standard.codes import (
    CRIME_CATEGORIES,
    OUTCOME_CATEGORIES,
    CrimeCategory,
    OutcomeCategory,
    crime_category,
    outcome_category,
)
from crimeplan.standard.records import (
    RECORD_TYPES,
    OutcomeRecord,
    PointEvent,
    StopSearchRecord,
    StreetCrime,
)

__all__ = [
    "CRIME_CATEGORIES",
    "OUTCOME_CATEGORIES",
    "RECORD_TYPES",
    "CrimeCategory",
    "OutcomeCategory",
    "OutcomeRecord",
    "PointEvent",
    "StopSearchRecord",
    "StreetCrime",
    "crime_category",
    "outcome_category",
]
