"""Complaints counted as the law counts them: one incident reported to several agencies (or
twice) counts once, a complaint qualifies if made within a month of the incident, and the
threshold is met by enough qualifying complaints within six months of the application, or by
a locally set rule.

The same-incident rule: two complaints are about one incident when they carry the same shared
incident reference, or when the same complainant (the same person record, or records
confirmed as one person) reported ASB at the same address with incident times within the
procedure's window (default 2 hours) of each other. Incidents are the connected groups of
that relation. Pure functions: the database side is in ``service``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from crimeplan.cases.asb.rules import Procedure
from crimeplan.cases.months import add_months, uk_date


@dataclass(frozen=True)
class Complaint:
    """One complaint to one agency about an incident of ASB."""

    id: str
    agency_id: str
    #: The complainant as one person across agencies (see ``same_person``).
    complainant: str
    incident_at: dt.datetime
    made_at: dt.datetime
    location_key: str | None
    hate: bool = False
    shared_reference: str | None = None


@dataclass(frozen=True)
class Incident:
    """One incident, with every complaint made about it."""

    complaints: tuple[Complaint, ...]

    @property
    def incident_at(self) -> dt.datetime:
        return min(c.incident_at for c in self.complaints)

    @property
    def first_complaint(self) -> Complaint:
        return min(self.complaints, key=lambda c: (c.made_at, c.id))

    @property
    def complainants(self) -> frozenset[str]:
        return frozenset(c.complainant for c in self.complaints)

    @property
    def location_key(self) -> str | None:
        return next((c.location_key for c in self.complaints if c.location_key), None)

    @property
    def hate(self) -> bool:
        return any(c.hate for c in self.complaints)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(c.agency_id for c in self.complaints)


def location_key(uprn: str | None, postcode: str | None, address: str | None) -> str | None:
    """What makes two agencies' records of an address the same: the UPRN when there is one,
    else the postcode and the address, compared without case, spaces or punctuation."""
    if uprn:
        return f"uprn:{uprn.strip()}"
    if postcode and address:
        words = re.sub(r"[^a-z0-9]+", " ", address.lower()).split()
        return f"addr:{postcode.replace(' ', '').upper()}|{' '.join(words)}"
    return None


def incidents(complaints: Iterable[Complaint], procedure: Procedure) -> list[Incident]:
    """Group complaints into incidents by the same-incident rule, oldest first."""
    items = sorted(complaints, key=lambda c: (c.incident_at, c.id))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    window = dt.timedelta(hours=procedure.same_incident.window_hours)
    by_reference: dict[str, int] = {}
    for i, c in enumerate(items):
        if c.shared_reference:
            j = by_reference.setdefault(c.shared_reference.strip().upper(), i)
            parent[find(i)] = find(j)
        for j in range(i - 1, -1, -1):
            other = items[j]
            if c.incident_at - other.incident_at > window:
                break
            if (c.location_key and c.complainant == other.complainant
                    and c.location_key == other.location_key):
                parent[find(i)] = find(j)
    groups: dict[int, list[Complaint]] = {}
    for i, c in enumerate(items):
        groups.setdefault(find(i), []).append(c)
    return sorted((Incident(tuple(g)) for g in groups.values()),
                  key=lambda inc: (inc.incident_at, inc.first_complaint.id))


def qualifying_complaint(incident: Incident, procedure: Procedure) -> Complaint | None:
    """The first complaint about the incident made within the month after it (s.104(11)(a)),
    or None if none was."""
    limit = add_months(uk_date(incident.incident_at),
                       procedure.qualifying_complaint.made_within_months_of_incident)
    made_in_time = [c for c in incident.complaints
                    if c.made_at >= incident.incident_at and uk_date(c.made_at) <= limit]
    return min(made_in_time, key=lambda c: (c.made_at, c.id)) if made_in_time else None


def qualifying(incident_list: Iterable[Incident], procedure: Procedure,
               applied_on: dt.date) -> list[tuple[Incident, Complaint]]:
    """Incidents with a qualifying complaint made on or before ``applied_on`` and within the
    six months before it (s.104(11)(b)), with that complaint."""
    months = procedure.qualifying_complaint.application_within_months_of_complaint
    out = []
    for incident in incident_list:
        complaint = qualifying_complaint(incident, procedure)
        if complaint is None:
            continue
        made = uk_date(complaint.made_at)
        if made <= applied_on <= add_months(made, months):
            out.append((incident, complaint))
    return out


@dataclass(frozen=True)
class ThresholdCheck:
    """Whether the threshold is met, by which rule (``complaints`` for s.104(4), or a local
    rule's id), on which incidents, with the rule's source."""

    met: bool
    rule: str | None
    counted: tuple[Incident, ...]
    source: str

    @property
    def statutory(self) -> bool:
        """Met by the count of s.104(4): the relevant bodies must then decide it is met."""
        return self.met and self.rule == "complaints"


def check_person(complaints: Iterable[Complaint], complainant: str, procedure: Procedure,
                 applied_on: dt.date) -> ThresholdCheck:
    """The threshold for one victim: enough qualifying complaints about separate incidents
    (s.104(4)), or one about a hate incident where the procedure counts that."""
    mine = [c for c in complaints if c.complainant == complainant]
    counted = [i for i, _ in qualifying(incidents(mine, procedure), procedure, applied_on)]
    if len(counted) >= procedure.threshold.complaints:
        return ThresholdCheck(True, "complaints", tuple(counted), procedure.threshold.source)
    hate = procedure.local_rule("hate-incident")
    hateful = [i for i in counted if i.hate]
    if hate is not None and hateful:
        return ThresholdCheck(True, hate.id, tuple(hateful), hate.source)
    return ThresholdCheck(False, None, tuple(counted), procedure.threshold.source)


def check_address(complaints: Iterable[Complaint], key: str, procedure: Procedure,
                  applied_on: dt.date) -> ThresholdCheck:
    """The community threshold at one address: qualifying complaints from at least the
    procedure's number of different individuals."""
    rule = procedure.local_rule("several-individuals")
    here = [c for c in complaints if c.location_key == key]
    counted = [i for i, _ in qualifying(incidents(here, procedure), procedure, applied_on)]
    people = frozenset(p for i in counted for p in i.complainants)
    if rule is not None and rule.individuals is not None and len(people) >= rule.individuals:
        return ThresholdCheck(True, rule.id, tuple(counted), rule.source)
    return ThresholdCheck(False, None, tuple(counted),
                          rule.source if rule else procedure.threshold.source)
