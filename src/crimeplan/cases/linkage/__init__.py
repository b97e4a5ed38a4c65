"""Matching records of the same person held by different agencies (splink on DuckDB).

``frame`` builds the records to compare from the service database (in memory: nothing
leaves the service), ``model`` trains and runs splink's Fellegi-Sunter model, ``proposals``
turns matches above the threshold into proposals for a person to confirm or reject, and
``generator`` and ``evaluate`` measure precision and recall on generated people with known
truth.
"""
