"""Eligibility for early intervention, table-driven from the published Turnaround criteria.

Each case cites the words of the source it checks (keys of the rules file's ``sources``):
``guidance`` is the Ministry of Justice's gov.uk page "Turnaround Programme" (Eligibility),
``criteria`` the criteria as issued to youth justice services (Positive Steps), and
``exclusions`` Haringey YJS's list of who must not be referred.
"""

from __future__ import annotations

import datetime as dt

import pytest

from crimeplan.cases.early_intervention.eligibility import (
    Child,
    EventFact,
    ReferralFact,
    StatusFact,
    assess,
)
from crimeplan.cases.early_intervention.rules import rulebook
from crimeplan.cases.rulebook import source_key

D = dt.date
ON = D(2026, 6, 15)
BORN = D(2012, 3, 10)          # 14 on the day of every event below
RULES = rulebook().in_force(ON)


def ev(kind: str, day: dt.date, code: str | None = None, role: str = "suspect",
       id: str = "e1") -> EventFact:
    return EventFact(id, kind, code, day, role)


def child(*events: EventFact, born: dt.date | None = BORN, statuses: tuple[StatusFact, ...] = (),
          referrals: tuple[ReferralFact, ...] = ()) -> Child:
    return Child(born, events, statuses, referrals)


# (citation, child, eligible, qualifying rule or None, deadline or None, reasons)
CASES = [
    ("guidance: 'subject to a No Further Action (NFA) decision'",
     child(ev("no-further-action", D(2026, 5, 1))), True, "no-further-action",
     D(2026, 8, 1), []),
    ("guidance: 'subject to a Community Resolution'",
     child(ev("community-resolution", D(2026, 4, 20))), True, "community-resolution",
     D(2026, 7, 20), []),
    ("guidance: 'receiving a first-time youth caution'",
     child(ev("youth-caution", D(2026, 5, 1))), True, "first-youth-caution",
     D(2026, 8, 1), []),
    ("guidance: a second youth caution is not first-time (the first, long ago, is out of time)",
     child(ev("youth-caution", D(2025, 1, 10), id="e0"), ev("youth-caution", D(2026, 5, 1))),
     False, None, None, ["referral-window"]),
    ("guidance: 'not including conditional caution'",
     child(ev("youth-conditional-caution", D(2026, 5, 1))), False, None, None,
     ["qualifying-event"]),
    ("guidance: 'released under investigation (RUI)'",
     child(ev("released-under-investigation", D(2026, 6, 1))), True,
     "released-under-investigation", D(2026, 9, 1), []),
    ("guidance: 'subject to pre-charge bail (PCB)'",
     child(ev("bail", D(2026, 6, 1), "pre-charge")), True, "pre-charge-bail",
     D(2026, 9, 1), []),
    ("guidance: pre-charge bail only; court bail does not qualify",
     child(ev("bail", D(2026, 6, 1), "court")), False, None, None, ["qualifying-event"]),
    ("guidance: 'discharged by a court'",
     child(ev("court-outcome", D(2026, 5, 20), "conditional-discharge")), True, "discharged",
     D(2026, 8, 20), []),
    ("guidance: 'acquitted at court'",
     child(ev("court-outcome", D(2026, 5, 20), "acquitted")), True, "acquitted",
     D(2026, 8, 20), []),
    ("criteria: 'fined by a court with no further outcome'",
     child(ev("court-outcome", D(2026, 5, 20), "fine")), True, "fined", D(2026, 8, 20), []),
    ("guidance: a court order is not among the qualifying outcomes",
     child(ev("court-outcome", D(2026, 5, 20), "referral-order")), False, None, None,
     ["qualifying-event"]),
    ("guidance: 'Community Protection Warning/Notice (CPW/N)'",
     child(ev("asb-measure", D(2026, 5, 2), "community-protection-notice", role="subject")),
     True, "asb-measure", D(2026, 8, 2), []),
    ("guidance: 'Acceptable Behaviour Contract (ABC)'",
     child(ev("asb-measure", D(2026, 5, 2), "acceptable-behaviour-contract", role="subject")),
     True, "asb-measure", D(2026, 8, 2), []),
    ("guidance: 'interviewed under caution following arrest'",
     child(ev("interview-under-caution", D(2026, 6, 10))), True, "interviewed-under-caution",
     D(2026, 9, 10), []),
    ("guidance: the child's own outcome; a victim's is not a qualifying event",
     child(ev("no-further-action", D(2026, 5, 1), role="victim")), False, None, None,
     ["qualifying-event"]),
    ("guidance: 'children aged 10-17': 9 at the event",
     child(ev("no-further-action", D(2026, 5, 1)), born=D(2016, 6, 1)), False, None, None,
     ["age"]),
    ("guidance: 'children aged 10-17': 10 on the day of the event",
     child(ev("no-further-action", D(2026, 5, 1)), born=D(2016, 5, 1)), True,
     "no-further-action", D(2026, 8, 1), []),
    ("guidance: 'children aged 10-17': 17 the day before the 18th birthday",
     child(ev("no-further-action", D(2026, 5, 1)), born=D(2008, 5, 2)), True,
     "no-further-action", D(2026, 8, 1), []),
    ("guidance: 'children aged 10-17': 18 on the day of the event",
     child(ev("no-further-action", D(2026, 5, 1)), born=D(2008, 5, 1)), False, None, None,
     ["age"]),
    ("guidance: age cannot be checked without a date of birth",
     child(ev("no-further-action", D(2026, 5, 1)), born=None), False, None, None, ["age"]),
    ("criteria: 'within three months': on the last day",
     child(ev("no-further-action", D(2026, 3, 15))), True, "no-further-action",
     D(2026, 6, 15), []),
    ("criteria: 'within three months': the day after is too late",
     child(ev("no-further-action", D(2026, 3, 14))), False, None, None,
     ["referral-window"]),
    ("criteria: several events: the latest deadline counts",
     child(ev("community-resolution", D(2026, 4, 1), id="e0"),
           ev("no-further-action", D(2026, 6, 2))), True, "no-further-action",
     D(2026, 9, 2), []),
    ("exclusions: 'be a Child Looked After' (now)",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("looked-after", D(2025, 1, 1), None, "Council"),)),
     False, "no-further-action", D(2026, 8, 1), ["looked-after"]),
    ("exclusions: looked after in the past, no longer",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("looked-after", D(2024, 1, 1), D(2025, 1, 1), "Council"),)),
     True, "no-further-action", D(2026, 8, 1), []),
    ("exclusions: 'open to CYPS under a Child Protection Plan'",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("child-protection-plan", D(2026, 2, 1), D(2026, 6, 15),
                                "Council"),)),
     False, "no-further-action", D(2026, 8, 1), ["child-protection-plan"]),
    ("exclusions: 'whole family support coordinated by a lead practitioner in Early Help'",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("early-help-lead-practitioner", D(2026, 6, 1), None,
                                "Council"),)),
     False, "no-further-action", D(2026, 8, 1), ["early-help-lead-practitioner"]),
    ("exclusions: 'previously been open to the YJS on a statutory order' (ended long ago)",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("youth-justice-order", D(2024, 1, 1), D(2024, 7, 1),
                                "YJS"),)),
     False, "no-further-action", D(2026, 8, 1), ["youth-justice-order"]),
    ("exclusions: an order starting after the day of the check does not exclude yet",
     child(ev("no-further-action", D(2026, 5, 1)),
           statuses=(StatusFact("youth-justice-order", D(2026, 7, 1), None, "YJS"),)),
     True, "no-further-action", D(2026, 8, 1), []),
    ("criteria: 'Once a child has received support ... not eligible ... again'",
     child(ev("no-further-action", D(2026, 5, 1)),
           referrals=(ReferralFact(D(2025, 1, 5), D(2025, 1, 20)),)),
     False, "no-further-action", D(2026, 8, 1), ["once-only"]),
    ("criteria: a referral whose support never began is not support received",
     child(ev("no-further-action", D(2026, 5, 1)),
           referrals=(ReferralFact(D(2025, 1, 5), None),)),
     True, "no-further-action", D(2026, 8, 1), []),
]


@pytest.mark.parametrize(("citation", "facts", "eligible", "rule", "deadline", "reasons"),
                         CASES, ids=[c[0][:60] for c in CASES])
def test_eligibility(citation: str, facts: Child, eligible: bool, rule: str | None,
                     deadline: dt.date | None, reasons: list[str]) -> None:
    result = assess(facts, RULES, ON)
    assert result.eligible is eligible, citation
    assert (result.qualification.rule.id if result.qualification else None) == rule
    assert result.deadline == deadline
    assert [r.rule for r in result.reasons] == reasons
    assert all(source_key(r.source) in RULES.sources for r in result.reasons)


def test_reasons_say_who_recorded_the_exclusion_and_until_when() -> None:
    facts = child(ev("no-further-action", D(2026, 5, 1)), statuses=(
        StatusFact("child-protection-plan", D(2026, 2, 1), D(2026, 6, 30),
                   "Essex County Council"),))
    (reason,) = assess(facts, RULES, ON).reasons
    assert reason.text == ("Child protection plan since 1 February 2026 to 30 June 2026 "
                           "(recorded by Essex County Council)")
    assert reason.source.startswith("exclusions")


def test_every_rule_cites_a_source_of_its_file() -> None:
    for version in rulebook().versions:
        for rule in (*version.qualifying_events, *version.exclusions, version.age,
                     version.referral_window, version.once_only, version.family):
            assert source_key(rule.source) in version.sources
