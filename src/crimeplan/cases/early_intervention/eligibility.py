"""Whether a child is eligible for early intervention on a day: a pure function of the facts
agencies recorded (events, status periods, earlier referrals) and one version of the rules.

The assessment says which qualifying event makes the child eligible and by when they must be
referred, or every rule that excludes them, each with its source, so a youth justice officer
can see why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crimeplan.cases.early_intervention.rules import EligibilityRules, QualifyingEvent
from crimeplan.cases.months import add_months, age_on


@dataclass(frozen=True)
class EventFact:
    """An event a child took part in: its kind and code, the day it happened (UK time) and
    the child's role."""

    id: str
    kind: str
    code: str | None
    day: dt.date
    role: str


@dataclass(frozen=True)
class StatusFact:
    """A status period recorded on the child (``to_date`` None: still open)."""

    kind: str
    from_date: dt.date
    to_date: dt.date | None
    agency_name: str

    def covers(self, day: dt.date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)


@dataclass(frozen=True)
class ReferralFact:
    """An earlier referral: when it was made and when support began (None: not begun)."""

    referred_on: dt.date
    support_started_on: dt.date | None


@dataclass(frozen=True)
class Child:
    """What the rules look at about one child."""

    date_of_birth: dt.date | None
    events: tuple[EventFact, ...] = ()
    statuses: tuple[StatusFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()


@dataclass(frozen=True)
class Qualification:
    """A qualifying event, the rule it meets, the child's age on it and the last day to refer."""

    event: EventFact
    rule: QualifyingEvent
    age: int
    deadline: dt.date


@dataclass(frozen=True)
class Reason:
    """A rule that makes a child not eligible: its id, what it found, and its source."""

    rule: str
    text: str
    source: str


@dataclass(frozen=True)
class Assessment:
    """The outcome on one day under one version of the rules."""

    on: dt.date
    rules_version: str
    qualification: Qualification | None
    qualifications: tuple[Qualification, ...]
    reasons: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return self.qualification is not None and not self.reasons

    @property
    def deadline(self) -> dt.date | None:
        return self.qualification.deadline if self.qualification else None


def qualifications(child: Child, rules: EligibilityRules, on: dt.date) -> list[Qualification]:
    """Every qualifying event on or before ``on`` (whatever the child's age or the window),
    oldest first."""
    found = []
    events = sorted((e for e in child.events if e.day <= on), key=lambda e: (e.day, e.id))
    for i, event in enumerate(events):
        if event.role not in rules.roles:
            continue
        for rule in rules.qualifying_events:
            if not rule.matches(event.kind, event.code):
                continue
            if rule.first_only and any(e.kind == event.kind and e.day < event.day
                                       for e in events[:i]):
                continue
            age = age_on(child.date_of_birth, event.day) if child.date_of_birth else -1
            found.append(Qualification(event, rule, age,
                                       add_months(event.day, rules.referral_window.months)))
    return found


def assess(child: Child, rules: EligibilityRules, on: dt.date) -> Assessment:
    """Whether ``child`` is eligible on ``on``: a qualifying event at an age within the range,
    referral still within the window, no exclusion, and never supported before."""
    found = qualifications(child, rules, on)
    reasons: list[Reason] = []
    in_age = [q for q in found if rules.age.min <= q.age <= rules.age.max]
    in_window = [q for q in in_age if on <= q.deadline]
    if child.date_of_birth is None:
        reasons.append(Reason("age", "Date of birth not recorded: the age rule cannot be "
                              "checked", rules.age.source))
    elif not found:
        reasons.append(Reason("qualifying-event", "No qualifying event recorded",
                              rules.qualifying_source))
    elif not in_age:
        ages = ", ".join(str(q.age) for q in found)
        reasons.append(Reason("age", f"Aged {ages} at the qualifying event: outside "
                              f"{rules.age.min} to {rules.age.max}", rules.age.source))
    elif not in_window:
        last = max(q.deadline for q in in_age)
        reasons.append(Reason("referral-window",
                              f"Referral was due by {last:%-d %B %Y} "
                              f"({rules.referral_window.months} months after the event)",
                              rules.referral_window.source))
    for status in child.statuses:
        rule = rules.exclusion(status.kind)
        if rule is None:
            continue
        if status.covers(on) if rule.applies == "current" else status.from_date <= on:
            since = f"since {status.from_date:%-d %B %Y}"
            until = f" to {status.to_date:%-d %B %Y}" if status.to_date else ""
            reasons.append(Reason(rule.id, f"{rule.label} {since}{until} "
                                  f"(recorded by {status.agency_name})", rule.source))
    supported = [r for r in child.referrals
                 if r.support_started_on is not None and r.support_started_on <= on]
    if supported:
        first = min(r.support_started_on for r in supported if r.support_started_on)
        reasons.append(Reason("once-only", f"Already supported (from {first:%-d %B %Y})",
                              rules.once_only.source))
    best = max(in_window, key=lambda q: (q.deadline, q.event.id)) if in_window else None
    return Assessment(on, rules.version, best, tuple(found), tuple(reasons))
