"""The one error type for bad risk or cohort input, always naming file, column and row."""

from __future__ import annotations


class RiskInputError(ValueError):
    """Input a risk or cohort command cannot use; the message says where and why."""
