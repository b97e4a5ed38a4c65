"""Governance: run records, the hash-chained audit log, transparency records and fairness audits."""
