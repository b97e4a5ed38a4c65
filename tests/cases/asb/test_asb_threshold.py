"""The ASB case review threshold, table-driven from the 2014 Act and published local procedures.

Citations: ``act`` is the Anti-social Behaviour, Crime and Policing Act 2014 s.104; ``notes``
its Explanatory Notes (para. 231); ``herefordshire`` and ``watford`` the councils' published
procedures (keys of the procedure file's ``sources``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from crimeplan.cases.asb.incidents import (
    Complaint,
    check_address,
    check_person,
    incidents,
    location_key,
)
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.rulebook import source_key

PROCEDURE = rulebook().in_force(dt.date(2026, 7, 1))
APPLIED = dt.date(2026, 7, 1)
HOME = location_key("100012345678", None, None)
FLAT = location_key(None, "SS14 1AA", "Flat 2, 12 High Street")


def at(day: str, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)


def c(id: str, incident: str, made: str, who: str = "ann", agency: str = "police",
      where: str | None = HOME, hate: bool = False, ref: str | None = None,
      incident_hour: int = 20, made_hour: int = 21) -> Complaint:
    return Complaint(id, agency, who, at(incident, incident_hour), at(made, made_hour), where,
                     hate, ref)


THREE = [c("1", "2026-03-01", "2026-03-01"), c("2", "2026-04-10", "2026-04-11"),
         c("3", "2026-06-20", "2026-06-21")]

# (citation, complaints, met, rule, incidents counted)
PERSON_CASES = [
    ("act s.104(4): 'at least three ... qualifying complaints'", THREE, True, "complaints", 3),
    ("act s.104(4): two are not enough", THREE[:2], False, None, 2),
    ("act s.104(11)(a): a complaint 40 days after the incident does not qualify",
     [*THREE[:2], c("3", "2026-05-01", "2026-06-10")], False, None, 2),
    ("act s.104(11)(a): one month after 31 January is 28 February: still in time",
     [*THREE[:2], c("3", "2026-01-31", "2026-02-28")], True, "complaints", 3),
    ("act s.104(11)(a): 1 March is a day too late",
     [*THREE[:2], c("3", "2026-01-31", "2026-03-01")], False, None, 2),
    ("act s.104(11)(b): a complaint made 1 January is within six months of 1 July",
     [*THREE[:2], c("3", "2025-12-20", "2026-01-01")], True, "complaints", 3),
    ("act s.104(11)(b): a complaint made 31 December is not",
     [*THREE[:2], c("3", "2025-12-20", "2025-12-31")], False, None, 2),
    ("herefordshire: 'the same incident ... reported to three different agencies will count "
     "as one': shared reference",
     [*THREE[:2], c("3", "2026-04-10", "2026-04-12", agency="council", ref="CAD-77"),
      c("4", "2026-04-10", "2026-04-11", agency="housing", ref="cad-77")], False, None, 2),
    ("herefordshire: one incident told to police and council (same person, address, time)",
     [*THREE[:2], c("3", "2026-04-10", "2026-04-13", agency="council", incident_hour=21)],
     False, None, 2),
    ("herefordshire: three hours apart are separate incidents",
     [*THREE[:2], c("3", "2026-04-10", "2026-04-13", agency="council", incident_hour=23)],
     True, "complaints", 3),
    ("herefordshire: 'One incident of a hate crime or incident within the past 6 months'",
     [c("1", "2026-06-01", "2026-06-01", hate=True)], True, "hate-incident", 1),
    ("act s.104(11): a hate incident reported too late does not qualify",
     [c("1", "2026-03-01", "2026-05-01", hate=True)], False, None, 0),
]


@pytest.mark.parametrize(("citation", "complaints", "met", "rule", "counted"), PERSON_CASES,
                         ids=[p[0][:60] for p in PERSON_CASES])
def test_threshold_for_a_victim(citation: str, complaints: list[Complaint], met: bool,
                                rule: str | None, counted: int) -> None:
    check = check_person(complaints, "ann", PROCEDURE, APPLIED)
    assert (check.met, check.rule, len(check.counted)) == (met, rule, counted), citation
    assert source_key(check.source) in PROCEDURE.sources


def test_the_statutory_count_obliges_the_decision_but_a_local_rule_does_not() -> None:
    assert check_person(THREE, "ann", PROCEDURE, APPLIED).statutory
    hate = [c("1", "2026-06-01", "2026-06-01", hate=True)]
    assert not check_person(hate, "ann", PROCEDURE, APPLIED).statutory


def test_a_lower_local_threshold_and_a_switched_off_local_rule() -> None:
    """act s.104(4): 'three (or, if a different number is specified in the review procedures,
    at least that number of)'."""
    two = PROCEDURE.model_copy(update={"threshold": PROCEDURE.threshold.model_copy(
        update={"complaints": 2})})
    assert check_person(THREE[:2], "ann", two, APPLIED).met
    no_hate = PROCEDURE.model_copy(update={"local_rules": tuple(
        r.model_copy(update={"enabled": False}) for r in PROCEDURE.local_rules)})
    hate = [c("1", "2026-06-01", "2026-06-01", hate=True)]
    assert not check_person(hate, "ann", no_hate, APPLIED).met


def test_three_individuals_at_one_address() -> None:
    """watford: 'three separate individuals have reported three similar ASB complaints in the
    previous six months'."""
    reports = [c("1", "2026-05-01", "2026-05-02", who="ann", where=FLAT),
               c("2", "2026-05-20", "2026-05-21", who="bob", where=FLAT),
               c("3", "2026-06-05", "2026-06-05", who="cat",
                 where=location_key(None, "ss141aa", "flat 2 12 high street"))]
    check = check_address(reports, FLAT, PROCEDURE, APPLIED)
    assert (check.met, check.rule, len(check.counted)) == (True, "several-individuals", 3)
    assert not check_address(reports[:2], FLAT, PROCEDURE, APPLIED).met
    assert not check_person(reports, "ann", PROCEDURE, APPLIED).met


def test_incidents_keep_every_complaint_and_agency() -> None:
    grouped = incidents([c("1", "2026-04-10", "2026-04-11", ref="CAD-77"),
                         c("2", "2026-04-10", "2026-04-12", agency="council", ref="CAD-77"),
                         c("3", "2026-04-20", "2026-04-20")], PROCEDURE)
    assert [len(i.complaints) for i in grouped] == [2, 1]
    assert grouped[0].agencies == {"police", "council"}
    assert grouped[0].first_complaint.id == "1"


def test_location_keys() -> None:
    assert location_key("100012345678", "SS1 1AA", "1 High St") == "uprn:100012345678"
    assert location_key(None, "ss14 1aa", "Flat 2, 12 High Street") == FLAT
    assert location_key(None, None, "12 High Street") is None
