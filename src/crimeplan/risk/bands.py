"""Low / moderate / high bands whose thresholds follow from a stated cost ratio.

With a "dangerous" error (forecast low, turned out to reoffend) costing ``r`` times a
"cautious" error (forecast high, did not reoffend), flagging a person with calibrated risk
``p`` costs less than not flagging when ``p ≥ 1 / (1 + r)``: that is the low / moderate
boundary. The moderate / high boundary ``r / (1 + r)`` is where a person would still be flagged
if the costs were the other way round. So "low" means not flagged even when missing a
reoffender is the costlier error, "high" means flagged even when a needless flag is, and
"moderate" is the band where the decision rests on the cost ratio itself. With ``r = 1``
both thresholds are 0.5 and the moderate band is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from crimeplan.risk.errors import RiskInputError

BANDS: tuple[str, str, str] = ("low", "moderate", "high")


@dataclass(frozen=True)
class CostRatio:
    """Relative cost of a dangerous error (false negative) and a cautious error (false
    positive)."""

    false_negative: float
    false_positive: float

    @classmethod
    def parse(cls, text: str) -> CostRatio:
        """Read ``FN:FP`` such as ``5:1``."""
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*:\s*([0-9]*\.?[0-9]+)\s*", text or "")
        if not match:
            raise RiskInputError(f"cost ratio {text!r} is not of the form FN:FP, e.g. 5:1")
        fn, fp = float(match.group(1)), float(match.group(2))
        if fn <= 0 or fp <= 0:
            raise RiskInputError(f"cost ratio {text!r}: both costs must be positive")
        return cls(fn, fp)

    @property
    def ratio(self) -> float:
        """How many cautious errors one dangerous error is worth."""
        return self.false_negative / self.false_positive

    def __str__(self) -> str:
        return f"{self.false_negative:g}:{self.false_positive:g}"


@dataclass(frozen=True)
class BandThresholds:
    """Probability cut-offs: below ``moderate_from`` is low, from ``high_from`` is high."""

    moderate_from: float
    high_from: float

    @classmethod
    def from_cost_ratio(cls, cost: CostRatio) -> BandThresholds:
        r = cost.ratio
        lower, upper = sorted((1.0 / (1.0 + r), r / (1.0 + r)))
        return cls(moderate_from=lower, high_from=upper)

    def assign(self, probability: np.ndarray) -> np.ndarray:
        """Band name for each probability."""
        p = np.asarray(probability, dtype=float)
        index = (p >= self.moderate_from).astype(int) + (p >= self.high_from).astype(int)
        return np.asarray(BANDS, dtype=object)[index]

    def flagged(self, probability: np.ndarray) -> np.ndarray:
        """True where the cost-optimal decision is to flag (moderate or high)."""
        return np.asarray(probability, dtype=float) >= self.moderate_from
