"""Precision and recall of the linkage model on generated records with known truth.

A true pair is two records of the same true person; a predicted pair is one the model scores
at or above the threshold. Precision = true predicted pairs / predicted pairs; recall = true
predicted pairs / true pairs (pairs that blocking never compared count as missed).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crimeplan.cases.linkage import frame, model
from crimeplan.cases.linkage.generator import GeneratedRecord


@dataclass(frozen=True)
class Evaluation:
    threshold: float
    records: int
    true_pairs: int
    predicted_pairs: int
    true_positives: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0


def rows(records: Sequence[GeneratedRecord]) -> list[dict[str, Any]]:
    """The generated records as linkage rows, with ids ``r0``, ``r1``, …"""
    return [frame.row(f"r{i}", r.agency_kind, r.given, r.family, r.dob, r.sex, r.aliases,
                      r.postcodes, r.identifiers) for i, r in enumerate(records)]


def true_pairs(records: Sequence[GeneratedRecord]) -> set[tuple[str, str]]:
    by_truth: dict[str, list[str]] = defaultdict(list)
    for i, r in enumerate(records):
        by_truth[r.truth].append(f"r{i}")
    return {tuple(sorted(p)) for ids in by_truth.values()  # type: ignore[misc]
            for p in itertools.combinations(ids, 2)}


def sweep(records: Sequence[GeneratedRecord], thresholds: Sequence[float], seed: int = 13
          ) -> list[Evaluation]:
    """Run the model once and measure at each threshold."""
    truth = true_pairs(records)
    started = time.perf_counter()
    matches = model.predict(rows(records), threshold=min(thresholds), seed=seed)
    seconds = time.perf_counter() - started
    out = []
    for threshold in thresholds:
        found = {(m.left, m.right) for m in matches if m.match_probability >= threshold}
        out.append(Evaluation(threshold, len(records), len(truth), len(found),
                              len(found & truth), seconds))
    return out
