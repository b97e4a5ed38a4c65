"""Code lists of the people, places and events (POLE) every agency's records use.

Each code is a stable, language-neutral id (never reused or renamed; a retired code stays
listed) with an English label, so systems of different suppliers exchange ids, not words.
The service database stores these ids; the exchange standard publishes the lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    id: str
    label: str


def code_list(*codes: Code) -> dict[str, Code]:
    """A code list keyed by id (ids must be unique)."""
    out = {c.id: c for c in codes}
    if len(out) != len(codes):
        raise ValueError("duplicate code id")
    return out


#: Identifiers a person may carry; each is a column of the person record named by its id
#: with ``-`` as ``_`` (``pnc-id`` → ``pnc_id``).
IDENTIFIER_TYPES = code_list(
    Code("pnc-id", "Police National Computer ID"),
    Code("cro-number", "Criminal Records Office number"),
    Code("probation-crn", "Probation case reference number (CRN)"),
    Code("nhs-number", "NHS number"),
    Code("prison-number", "Prison (NOMIS) number"),
    Code("local-reference", "The holding agency's own reference (force, council, provider)"),
)

#: Sex as recorded by the agency (not gender identity; ``not-known`` when not recorded).
SEXES = code_list(
    Code("female", "Female"),
    Code("male", "Male"),
    Code("not-known", "Not known"),
)

#: How two people are related, read "person is <kind> of other".
RELATION_KINDS = code_list(
    Code("parent", "Parent or carer"),
    Code("child", "Child"),
    Code("sibling", "Sibling"),
    Code("partner", "Partner or ex-partner"),
    Code("household-member", "Member of the same household"),
    Code("associate", "Known associate"),
)

#: The inverse of each relation kind (``parent`` ↔ ``child``; the others are symmetric).
RELATION_INVERSE = {"parent": "child", "child": "parent", "sibling": "sibling",
                    "partner": "partner", "household-member": "household-member",
                    "associate": "associate"}

#: What happened: the kinds of event agencies record about people and places.
EVENT_KINDS = code_list(
    Code("crime-reported", "Crime reported"),
    Code("offence", "Offence committed"),
    Code("arrest", "Arrest"),
    Code("interview-under-caution", "Interviewed under caution"),
    Code("charge", "Charged"),
    Code("no-further-action", "No further action"),
    Code("community-resolution", "Community resolution"),
    Code("youth-caution", "Youth caution"),
    Code("youth-conditional-caution", "Youth conditional caution"),
    Code("adult-caution", "Adult caution"),
    Code("released-under-investigation", "Released under investigation"),
    Code("bail", "Bailed (pre-charge or court)"),
    Code("bail-changed", "Bail conditions changed"),
    Code("decision-not-to-investigate", "Decision not to investigate"),
    Code("first-hearing", "First court hearing set"),
    Code("hearing", "Court hearing set"),
    Code("court-outcome", "Court outcome and sentence"),
    Code("sentence", "Sentenced"),
    Code("custody-start", "Entered custody"),
    Code("release", "Released from custody"),
    Code("test-on-arrest", "Drug test on arrest"),
    Code("assessment", "Assessment"),
    Code("referral", "Referral"),
    Code("treatment-start", "Treatment started"),
    Code("treatment-end", "Treatment ended"),
    Code("contact", "Contact with the person"),
    Code("complaint", "Complaint made"),
    Code("asb-incident", "Anti-social behaviour incident"),
)

#: How a person takes part in an event.
PARTICIPANT_ROLES = code_list(
    Code("subject", "Subject (the person the event is about)"),
    Code("suspect", "Suspect"),
    Code("offender", "Offender"),
    Code("victim", "Victim"),
    Code("witness", "Witness"),
    Code("complainant", "Complainant"),
    Code("reporter", "Person who reported it"),
)

#: The programmes a case can belong to.
PROGRAMMES = code_list(
    Code("iom", "Integrated Offender Management"),
    Code("dip", "Drug Intervention Programme"),
    Code("early-intervention", "Early intervention (children 10–17)"),
    Code("victim-care", "Victims' Code"),
    Code("asb-case-review", "ASB case review"),
    Code("general", "General case"),
)
