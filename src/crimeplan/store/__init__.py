"""The embedded warehouse: one DuckDB file per workspace, with its ledger, partitions,
quarantine and coverage."""

from crimeplan.store.warehouse import Warehouse

__all__ = ["Warehouse"]
