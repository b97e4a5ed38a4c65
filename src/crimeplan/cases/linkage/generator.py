"""Generated people with known truth: the same person held by several agencies, each record
with the imperfections real records have.

A true person has a name, sex, date of birth, an address history of postcodes and
identifiers with valid check characters. Most are held by one agency; some by two to four,
each copy possibly with a typing error in a name, a nickname, a family name changed on
marriage (with or without the old one kept as an alias), the day and month of birth swapped
or a digit mistyped, identifiers the agency does not hold left out, and a newer or older
address. One true person in ten is a relative of the one before (a twin, a sibling, or a
parent or child of the same name, at the same addresses): distinct people whose records look
alike, the hard case for precision. Seeded: the same seed gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass, field, replace

from crimeplan.cases.linkage.names import names
from crimeplan.standard.identifiers import CHECK_LETTERS, nhs_check_digit

#: Postcode districts of the demo area (Southend, Basildon, Chelmsford, Colchester).
DISTRICTS = ("SS0", "SS1", "SS2", "SS3", "SS9", "SS13", "SS14", "SS15", "SS16", "CM1", "CM2",
             "CM3", "CO1", "CO2", "CO3", "CO4")
#: Which identifiers each kind of agency holds.
HELD = {"police-force": ("pnc_id", "cro_number"), "probation": ("pnc_id", "probation_crn"),
        "health": ("nhs_number",), "drug-alcohol-treatment": ("nhs_number",),
        "youth-justice": ("pnc_id",), "local-authority": (), "housing-provider": (),
        "victim-service": ()}
#: Chances of each imperfection in a copy held by a further agency.
RATES = {"typo": 0.12, "nickname": 0.10, "married": 0.35, "married_alias": 0.5,
         "swap": 0.06, "dob_typo": 0.05, "dob_missing": 0.03, "moved": 0.25,
         "id_missing": 0.25, "relative": 0.1}


@dataclass(frozen=True)
class TruePerson:
    truth: str
    given: str
    family: str
    sex: str
    dob: dt.date
    postcodes: tuple[str, ...]
    identifiers: dict[str, str]


@dataclass(frozen=True)
class GeneratedRecord:
    """One agency's record of a true person."""

    truth: str
    agency_kind: str
    given: str
    family: str
    sex: str
    dob: dt.date | None
    postcodes: tuple[str, ...]
    identifiers: dict[str, str]
    aliases: tuple[tuple[str, str], ...] = field(default=())


def postcode(rng: random.Random) -> str:
    return (f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")


def pnc_id(rng: random.Random, year: int) -> str:
    serial = f"{rng.randint(1, 999_999):07d}"
    yy = f"{year % 100:02d}"
    return f"{year}/{serial}{CHECK_LETTERS[int(yy + serial) % 23]}"


def cro_number(rng: random.Random, year: int) -> str:
    serial, yy = f"{rng.randint(1, 999_999):06d}", f"{year % 100:02d}"
    return f"{serial}/{yy}{CHECK_LETTERS[int(yy + serial) % 23]}"


def nhs_number(rng: random.Random) -> str:
    while True:
        first = f"{rng.randint(400_000_000, 499_999_999)}"
        check = nhs_check_digit(first)
        if check is not None:
            return first + str(check)


def crn(rng: random.Random) -> str:
    return f"{rng.choice(string.ascii_uppercase)}{rng.randint(0, 999_999):06d}"


def _identifiers(rng: random.Random, dob: dt.date, today: dt.date) -> dict[str, str]:
    first_noticed = min(today.year, dob.year + rng.randint(14, 40))
    return {"pnc_id": pnc_id(rng, first_noticed), "cro_number": cro_number(rng, first_noticed),
            "probation_crn": crn(rng), "nhs_number": nhs_number(rng)}


def _given(sex: str) -> tuple[str, ...]:
    return names().female if sex == "female" else names().male


def true_person(rng: random.Random, n: int, today: dt.date) -> TruePerson:
    sex = rng.choice(("female", "male"))
    dob = today - dt.timedelta(days=rng.randint(10 * 365, 75 * 365))
    return TruePerson(f"T{n:06d}", rng.choice(_given(sex)), rng.choice(names().surnames), sex,
                      dob, tuple(postcode(rng) for _ in range(rng.randint(1, 3))),
                      _identifiers(rng, dob, today))


def relative(rng: random.Random, of: TruePerson, n: int, today: dt.date) -> TruePerson:
    """Another person of ``of``'s household, the hard case for linkage: a twin (same date of
    birth, another given name), a sibling (born 1 to 6 years apart) or a parent or child of
    the same name (born 20 to 35 years apart); same family name and addresses."""
    kind = rng.choices(("twin", "sibling", "namesake"), (0.2, 0.5, 0.3))[0]
    sex = of.sex if kind == "namesake" else rng.choice(("female", "male"))
    given = of.given if kind == "namesake" else rng.choice(
        [g for g in _given(sex) if g != of.given])
    years = {"twin": 0, "sibling": rng.randint(1, 6), "namesake": rng.randint(20, 35)}[kind]
    dob = of.dob + dt.timedelta(days=rng.choice((-1, 1)) * (365 * years + rng.randint(
        0, 300) if years else 0))
    if dob > today - dt.timedelta(days=10 * 365):    # a child under 10 is not on file
        dob = of.dob - (dob - of.dob)
    return TruePerson(f"T{n:06d}", given, of.family, sex, dob, of.postcodes,
                      _identifiers(rng, dob, today))


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randint(1, len(text) - 2)
    kind = rng.choice(("swap", "drop", "replace", "double"))
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "drop":
        return text[:i] + text[i + 1:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1:]


def _nickname(rng: random.Random, given: str) -> str:
    short = [nick for nick, full in names().nicknames.items() if full == given]
    return rng.choice(short) if short else given


def _dob_typo(rng: random.Random, dob: dt.date) -> dt.date:
    for _ in range(10):
        text = list(dob.isoformat())
        i = rng.choice((2, 3, 6, 8, 9))
        text[i] = str(rng.randint(0, 9))
        try:
            changed = dt.date.fromisoformat("".join(text))
        except ValueError:
            continue
        if changed != dob:
            return changed
    return dob


def copy(rng: random.Random, person: TruePerson, kind: str, first: bool) -> GeneratedRecord:
    """One agency's record of ``person``; the first copy is clean, later ones imperfect."""
    held = {k: v for k, v in person.identifiers.items() if k in HELD.get(kind, ())}
    record = GeneratedRecord(person.truth, kind, person.given, person.family, person.sex,
                             person.dob, person.postcodes[:1], held)
    if first:
        return record
    r = RATES
    if rng.random() < r["typo"]:
        which = rng.choice(("given", "family"))
        record = replace(record, **{which: _typo(rng, getattr(record, which))})
    if rng.random() < r["nickname"]:
        record = replace(record, given=_nickname(rng, record.given))
    if person.sex == "female" and rng.random() < r["married"] * 0.5:
        married = rng.choice(names().surnames)
        aliases = ((person.given, person.family),) if rng.random() < r["married_alias"] else ()
        record = replace(record, family=married, aliases=aliases)
    if rng.random() < r["swap"] and person.dob.day <= 12 and person.dob.day != person.dob.month:
        record = replace(record, dob=person.dob.replace(month=person.dob.day,
                                                        day=person.dob.month))
    elif rng.random() < r["dob_typo"]:
        record = replace(record, dob=_dob_typo(rng, person.dob))
    elif rng.random() < r["dob_missing"]:
        record = replace(record, dob=None)
    if rng.random() < r["moved"] and len(person.postcodes) > 1:
        newest_first = person.postcodes[:rng.randint(1, len(person.postcodes))][::-1]
        record = replace(record, postcodes=newest_first)
    if rng.random() < r["moved"] * 0.4:
        record = replace(record, postcodes=(postcode(rng), *record.postcodes))
    if held and rng.random() < r["id_missing"]:
        record = replace(record, identifiers={})
    return record


#: How many agencies hold a person: 1 (most), 2, 3 or 4.
HOLDERS = ((1, 0.6), (2, 0.25), (3, 0.1), (4, 0.05))


def generate(seed: int, people: int, kinds: tuple[str, ...] = tuple(HELD),
             today: dt.date = dt.date(2026, 6, 1)) -> list[GeneratedRecord]:
    """Records of ``people`` true people across agencies of ``kinds``, shuffled."""
    rng = random.Random(seed)
    out = []
    person: TruePerson | None = None
    for n in range(people):
        if person is not None and rng.random() < RATES["relative"]:
            person = relative(rng, person, n, today)
        else:
            person = true_person(rng, n, today)
        holders = rng.choices([h for h, _ in HOLDERS], [w for _, w in HOLDERS])[0]
        for i, kind in enumerate(rng.sample(kinds, min(holders, len(kinds)))):
            out.append(copy(rng, person, kind, first=i == 0))
    rng.shuffle(out)
    return out
