"""The linkage model: splink's Fellegi-Sunter model on an in-memory DuckDB database.

Comparisons fit UK person data: given and family names (exact, an alias or the name a
nickname stands for, Jaro-Winkler similarity), date of birth (exact, day and month swapped,
one character apart), postcodes (the current one, any in the address histories, the same
district) and identifiers compared exactly. The u probabilities are estimated by random
sampling and the m probabilities by expectation maximisation on two blocks (same date of
birth; same names), so no labelled pairs are needed; a prediction's evidence is the level of
each comparison and its match weight (log2 of its Bayes factor): never the values.

The model treats comparisons as independent, which relatives at one address are not: twins
share a family name, date of birth and addresses, a parent and child of one name share
everything but the date of birth. So a pair that looks like relatives (``relatives``) is not
proposed unless an identifier agrees, and the m probabilities that training would learn
from such pairs are fixed (a wholly different date of birth or given name).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.comparison_library import CustomComparison
from splink.internals.exceptions import EMTrainingException

#: The model's version, recorded on every proposal it makes.
MODEL_VERSION = "pole-linkage-2"
#: The match probability above which a pair is proposed, chosen on a generated training
#: sample of 10,000 people (benchmarks/linkage.py) and measured on a separate one.
THRESHOLD = 0.9999
#: Below this many records the model is not trained (too few pairs to learn from): it
#: scores with its prior m and u probabilities.
MIN_TRAINING_RECORDS = 100
#: Random pairs sampled to estimate the u probabilities (more cost time, not accuracy, at
#: the sizes of a partnership's caseload: see docs/benchmarks.md).
U_PAIRS = 1e5
#: DuckDB threads for a run (the service's machine is shared).
THREADS = 2


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    null: bool = False
    #: A prior m probability, for levels rarely seen in training (identifiers).
    m: float | None = None
    #: Keep ``m`` through training: for levels that expectation maximisation gets wrong
    #: because relatives (twins, a parent and child of one name) share a household.
    fixed: bool = False


def _comparison(name: str, description: str, levels: list[Level]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_description": description,
            "comparison_levels": [{"sql_condition": lv.sql, "label_for_charts": lv.label,
                                   **({"is_null_level": True} if lv.null else {}),
                                   **({"m_probability": lv.m} if lv.m is not None else {}),
                                   **({"fix_m_probability": True} if lv.fixed else {})}
                                  for lv in levels]}


def _name(column: str, variants: str, what: str, m_different: float | None = None
          ) -> tuple[str, list[Level]]:
    return what, [
        Level("missing", f'"{column}_l" IS NULL OR "{column}_r" IS NULL', null=True),
        Level("exact", f'"{column}_l" = "{column}_r"'),
        Level("alias or nickname", f"len(list_intersect({variants}_l, {variants}_r)) > 0"),
        Level("very similar (Jaro-Winkler ≥ 0.92)",
              f'jaro_winkler_similarity("{column}_l", "{column}_r") >= 0.92'),
        Level("similar (Jaro-Winkler ≥ 0.80)",
              f'jaro_winkler_similarity("{column}_l", "{column}_r") >= 0.80'),
        Level("different", "ELSE", m=m_different, fixed=m_different is not None),
    ]


def _exact(column: str, m_same: float | None = None) -> list[Level]:
    return [Level("missing", f'"{column}_l" IS NULL OR "{column}_r" IS NULL', null=True),
            Level("same", f'"{column}_l" = "{column}_r"', m=m_same, fixed=m_same is not None),
            Level("different", "ELSE", m=None if m_same is None else 1 - m_same,
                  fixed=m_same is not None)]


#: The chance that two records of one person carry the same identifier when both carry it
#: (copying errors aside): a prior, kept when training sees too few pairs to estimate it.
IDENTIFIER_M = 0.99
#: The chance that two records of one person carry wholly different dates of birth (neither
#: swapped nor one keystroke apart), and wholly different given names (neither an alias, a
#: nickname nor similar): rare, and fixed, because training cannot tell one person's records
#: from a parent and child of the same name or from twins at the same address.
DOB_DIFFERENT_M = 0.005
GIVEN_DIFFERENT_M = 0.01

#: name: (description, levels, most discriminating first within each comparison).
COMPARISONS: dict[str, tuple[str, list[Level]]] = {
    "given": _name("given", "given_variants", "Given name", GIVEN_DIFFERENT_M),
    "family": _name("family", "family_variants", "Family name"),
    "dob": ("Date of birth", [
        Level("missing", '"dob_l" IS NULL OR "dob_r" IS NULL', null=True),
        Level("exact", '"dob_l" = "dob_r"'),
        Level("day and month swapped",
              "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r"),
        Level("one character apart", "damerau_levenshtein(dob_l, dob_r) <= 1"),
        Level("different", "ELSE", m=DOB_DIFFERENT_M, fixed=True),
    ]),
    "postcode": ("Postcode", [
        Level("missing", "len(postcodes_l) = 0 OR len(postcodes_r) = 0", null=True),
        Level("current postcode the same", '"postcode_l" = "postcode_r"'),
        Level("a postcode in both address histories",
              "len(list_intersect(postcodes_l, postcodes_r)) > 0"),
        Level("same postcode district", '"outcode_l" = "outcode_r"'),
        Level("different", "ELSE"),
    ]),
    "sex": ("Sex", _exact("sex")),
    "pnc_id": ("PNC ID", _exact("pnc_id", IDENTIFIER_M)),
    "nhs_number": ("NHS number", _exact("nhs_number", IDENTIFIER_M)),
    "cro_number": ("CRO number", _exact("cro_number", IDENTIFIER_M)),
    "probation_crn": ("Probation CRN", _exact("probation_crn", IDENTIFIER_M)),
}

BLOCKING = [
    block_on("dob"),
    block_on("given", "family"),
    block_on("family", "dob_y"),
    block_on("given", "dob_y"),
    "l.dob_y = r.dob_y AND l.dob_m = r.dob_d AND l.dob_d = r.dob_m",
    "l.postcode = r.postcode AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
    block_on("pnc_id"),
    block_on("nhs_number"),
]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[CustomComparison(**_comparison(name, description, levels))
                     for name, (description, levels) in COMPARISONS.items()],
        blocking_rules_to_generate_predictions=BLOCKING,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["agency_id"],
    )


def level_label(comparison: str, gamma: int) -> str:
    """The label of a comparison level from its gamma value (-1 for the null level, then
    counting down from the most discriminating level)."""
    levels = COMPARISONS[comparison][1]
    if gamma == -1:
        return levels[0].label
    non_null = [lv for lv in levels if not lv.null]
    return non_null[len(non_null) - 1 - gamma].label


@dataclass(frozen=True)
class Match:
    """A scored pair: the two record ids (smaller first), the probability and the evidence."""

    left: str
    right: str
    match_probability: float
    match_weight: float
    evidence: list[dict[str, Any]]


def predict(rows: list[dict[str, Any]], threshold: float = THRESHOLD, seed: int = 13
            ) -> list[Match]:
    """Train the model on the rows and return the pairs at or above ``threshold``."""
    if len(rows) < 2:
        return []
    con = duckdb.connect(":memory:", config={"threads": THREADS})
    try:
        db_api = DuckDBAPI(con)
        table = db_api.register(rows, table_name="people")
        linker = Linker(table, settings(), log_level=logging.ERROR)
        if len(rows) >= MIN_TRAINING_RECORDS:
            _train(linker, rows, seed)
        scored = linker.inference.predict(threshold_match_probability=threshold,
                                          warning_mode="never")
        matches = (_match(r) for r in scored.as_record_list())
        return [m for m in matches if not relatives(m.evidence)]
    finally:
        con.close()


def _train(linker: Linker, rows: list[dict[str, Any]], seed: int) -> None:
    """u by random sampling, the prior from exact agreement, m by expectation maximisation
    on two blocks (a block too small to learn from keeps its priors)."""
    training = linker.training
    if _agreeing_pairs(rows, ("given", "family", "dob")):
        training.estimate_probability_two_random_records_match(
            [block_on("given", "family", "dob")], recall=0.7)
    training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    for block in (block_on("dob"), block_on("given", "family")):
        try:
            training.estimate_parameters_using_expectation_maximisation(
                block, fix_probability_two_random_records_match=True)
        except EMTrainingException:
            continue


def _agreeing_pairs(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> int:
    """How many pairs of rows agree on every column (none of them missing)."""
    counts = Counter(tuple(r[c] for c in columns) for r in rows
                     if all(r[c] is not None for c in columns))
    return sum(n * (n - 1) // 2 for n in counts.values())


#: The identifier comparisons: one agreeing outweighs the look of relatives.
IDENTIFIER_COMPARISONS = ("pnc_id", "nhs_number", "cro_number", "probation_crn")


def relatives(evidence: list[dict[str, Any]]) -> bool:
    """Whether a pair looks like two relatives rather than one person: the same family name
    with the same date of birth but different given names (twins), or the same names with
    wholly different dates of birth (a parent and child named alike); unless an identifier
    agrees."""
    level = {e["comparison"]: e["level"] for e in evidence}
    if any(level[c] == "same" for c in IDENTIFIER_COMPARISONS):
        return False
    twins = level["family"] == "exact" and level["dob"] == "exact" \
        and level["given"] == "different"
    namesakes = level["given"] == "exact" and level["family"] == "exact" \
        and level["dob"] == "different"
    return twins or namesakes


def _match(record: dict[str, Any]) -> Match:
    left, right = sorted((str(record["unique_id_l"]), str(record["unique_id_r"])))
    evidence = [{"comparison": name, "description": COMPARISONS[name][0],
                 "level": level_label(name, int(record[f"gamma_{name}"])),
                 "weight": round(float(record[f"mw_{name}"]), 2)}
                for name in COMPARISONS]
    return Match(left, right, float(record["match_probability"]),
                 float(record["match_weight"]) if math.isfinite(record["match_weight"])
                 else 99.0, evidence)
