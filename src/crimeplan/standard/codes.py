"""Code lists: the police.uk crime categories and outcome categories.

Labels are as published in data.police.uk CSV files; slugs are the police.uk API's
``crime-categories`` and outcome ``code`` values. ``outcome_group`` folds the outcomes into
the broad groups analysts report (charged or summonsed, out-of-court disposal, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CrimeCategory:
    """One police.uk crime category."""

    slug: str
    label: str
    current: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutcomeCategory:
    """One police.uk outcome category and the broad group it belongs to."""

    slug: str
    label: str
    group: str


CRIME_CATEGORIES: tuple[CrimeCategory, ...] = (
    CrimeCategory("anti-social-behaviour", "Anti-social behaviour"),
    CrimeCategory("bicycle-theft", "Bicycle theft"),
    CrimeCategory("burglary", "Burglary"),
    CrimeCategory("criminal-damage-arson", "Criminal damage and arson"),
    CrimeCategory("drugs", "Drugs"),
    CrimeCategory("other-crime", "Other crime"),
    CrimeCategory("other-theft", "Other theft"),
    CrimeCategory("possession-of-weapons", "Possession of weapons"),
    CrimeCategory("public-order", "Public order"),
    CrimeCategory("robbery", "Robbery"),
    CrimeCategory("shoplifting", "Shoplifting"),
    CrimeCategory("theft-from-the-person", "Theft from the person"),
    CrimeCategory("vehicle-crime", "Vehicle crime"),
    CrimeCategory("violent-crime", "Violence and sexual offences", aliases=("Violent crime",)),
    # Used until May 2013, then split into public order and possession of weapons.
    CrimeCategory("public-disorder-weapons", "Public disorder and weapons", current=False),
)

#: Broad outcome groups, in reporting order.
OUTCOME_GROUPS: tuple[str, ...] = (
    "Charged or summonsed",
    "Court outcome",
    "Out-of-court disposal",
    "Under investigation",
    "No suspect identified",
    "Evidential difficulties or not in public interest",
    "Transferred to another body",
    "Status unknown",
    "No outcome recorded",
)

OUTCOME_CATEGORIES: tuple[OutcomeCategory, ...] = (
    OutcomeCategory("charged", "Suspect charged", "Charged or summonsed"),
    OutcomeCategory("sentenced-in-another-case", "Suspect charged as part of another case",
                    "Charged or summonsed"),
    OutcomeCategory("awaiting-court-result", "Awaiting court outcome", "Charged or summonsed"),
    OutcomeCategory("sent-to-crown-court", "Defendant sent to Crown Court", "Court outcome"),
    OutcomeCategory("court-result-unavailable", "Court result unavailable", "Court outcome"),
    OutcomeCategory("unable-to-proceed", "Court case unable to proceed", "Court outcome"),
    OutcomeCategory("not-guilty", "Defendant found not guilty", "Court outcome"),
    OutcomeCategory("imprisoned", "Offender sent to prison", "Court outcome"),
    OutcomeCategory("suspended-sentence", "Offender given suspended prison sentence",
                    "Court outcome"),
    OutcomeCategory("community-penalty", "Offender given community sentence", "Court outcome"),
    OutcomeCategory("fined", "Offender fined", "Court outcome"),
    OutcomeCategory("conditional-discharge", "Offender given conditional discharge",
                    "Court outcome"),
    OutcomeCategory("absolute-discharge", "Offender given absolute discharge", "Court outcome"),
    OutcomeCategory("compensation", "Offender ordered to pay compensation", "Court outcome"),
    OutcomeCategory("deprived-of-property", "Offender deprived of property", "Court outcome"),
    OutcomeCategory("other-court-disposal", "Offender otherwise dealt with", "Court outcome"),
    OutcomeCategory("cautioned", "Offender given a caution", "Out-of-court disposal"),
    OutcomeCategory("drugs-possession-warning", "Offender given a drugs possession warning",
                    "Out-of-court disposal"),
    OutcomeCategory("penalty-notice-issued", "Offender given penalty notice",
                    "Out-of-court disposal"),
    OutcomeCategory("local-resolution", "Local resolution", "Out-of-court disposal"),
    OutcomeCategory("under-investigation", "Under investigation", "Under investigation"),
    OutcomeCategory("no-further-action", "Investigation complete; no suspect identified",
                    "No suspect identified"),
    OutcomeCategory("unable-to-prosecute", "Unable to prosecute suspect",
                    "Evidential difficulties or not in public interest"),
    OutcomeCategory("formal-action-not-in-public-interest",
                    "Formal action is not in the public interest",
                    "Evidential difficulties or not in public interest"),
    OutcomeCategory("further-investigation-not-in-public-interest",
                    "Further investigation is not in the public interest",
                    "Evidential difficulties or not in public interest"),
    OutcomeCategory("further-action-not-in-public-interest",
                    "Further action is not in the public interest",
                    "Evidential difficulties or not in public interest"),
    OutcomeCategory("action-taken-by-another-organisation",
                    "Action to be taken by another organisation", "Transferred to another body"),
    OutcomeCategory("status-update-unavailable", "Status update unavailable", "Status unknown"),
)


def _key(text: str) -> str:
    """Fold case, punctuation and spacing so that label variants compare equal."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_CRIME_LOOKUP: dict[str, CrimeCategory] = {}
for _c in CRIME_CATEGORIES:
    for _name in (_c.slug, _c.label, *_c.aliases):
        _CRIME_LOOKUP[_key(_name)] = _c

_OUTCOME_LOOKUP: dict[str, OutcomeCategory] = {}
for _o in OUTCOME_CATEGORIES:
    for _name in (_o.slug, _o.label):
        _OUTCOME_LOOKUP[_key(_name)] = _o


def crime_category(name: str) -> CrimeCategory | None:
    """Look a crime category up by label, alias or slug (case and punctuation folded)."""
    return _CRIME_LOOKUP.get(_key(name))


def outcome_category(name: str) -> OutcomeCategory | None:
    """Look an outcome category up by label or slug (case and punctuation folded)."""
    return _OUTCOME_LOOKUP.get(_key(name))


def crime_label_map() -> dict[str, str]:
    """Every accepted crime-type spelling (exact text) mapped to its slug, for SQL joins."""
    out: dict[str, str] = {}
    for c in CRIME_CATEGORIES:
        for name in (c.label, *c.aliases, c.slug):
            out[name] = c.slug
    return out
