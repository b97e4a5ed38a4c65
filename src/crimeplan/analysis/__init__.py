"""Crime analysis indicators over the warehouse, each a result object with tidy rows.

Every indicator takes a ``Scope`` (forces or a district, and months; see ``resolve_scope``),
computes in DuckDB SQL, consults ``partitions`` for coverage, and returns a dataclass whose
``rows()`` feed ``indicators.csv``.
"""

from crimeplan.analysis.concentration import concentration
from crimeplan.analysis.cost import CostTable, cost_of_crime
from crimeplan.analysis.coverage import coverage
from crimeplan.analysis.deprivation import deprivation
from crimeplan.analysis.outcomes import outcome_shares
from crimeplan.analysis.peers import peer_group
from crimeplan.analysis.rates import crime_rates
from crimeplan.analysis.rises import largest_rises
from crimeplan.analysis.scope import Scope, ScopeError, resolve_scope
from crimeplan.analysis.stop_search import disproportionality, stop_search_summary
from crimeplan.analysis.trends import monthly_counts

__all__ = [
    "CostTable", "Scope", "ScopeError", "concentration", "cost_of_crime", "coverage",
    "crime_rates", "deprivation", "disproportionality", "largest_rises", "monthly_counts",
    "outcome_shares", "peer_group", "resolve_scope", "stop_search_summary",
]
