"""Police forces as data.police.uk names them, linked to their force area (PFA 2020) codes."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Force:
    """A police force: its data.police.uk slug, published name and force-area code."""

    slug: str
    name: str
    pfa_code: str | None  # None for forces with no territorial area in England and Wales


FORCES: tuple[Force, ...] = (
    Force("metropolitan", "Metropolitan Police Service", "E23000001"),
    Force("cumbria", "Cumbria Constabulary", "E23000002"),
    Force("lancashire", "Lancashire Constabulary", "E23000003"),
    Force("merseyside", "Merseyside Police", "E23000004"),
    Force("greater-manchester", "Greater Manchester Police", "E23000005"),
    Force("cheshire", "Cheshire Constabulary", "E23000006"),
    Force("northumbria", "Northumbria Police", "E23000007"),
    Force("durham", "Durham Constabulary", "E23000008"),
    Force("north-yorkshire", "North Yorkshire Police", "E23000009"),
    Force("west-yorkshire", "West Yorkshire Police", "E23000010"),
    Force("south-yorkshire", "South Yorkshire Police", "E23000011"),
    Force("humberside", "Humberside Police", "E23000012"),
    Force("cleveland", "Cleveland Police", "E23000013"),
    Force("west-midlands", "West Midlands Police", "E23000014"),
    Force("staffordshire", "Staffordshire Police", "E23000015"),
    Force("west-mercia", "West Mercia Police", "E23000016"),
    Force("warwickshire", "Warwickshire Police", "E23000017"),
    Force("derbyshire", "Derbyshire Constabulary", "E23000018"),
    Force("nottinghamshire", "Nottinghamshire Police", "E23000019"),
    Force("lincolnshire", "Lincolnshire Police", "E23000020"),
    Force("leicestershire", "Leicestershire Police", "E23000021"),
    Force("northamptonshire", "Northamptonshire Police", "E23000022"),
    Force("cambridgeshire", "Cambridgeshire Constabulary", "E23000023"),
    Force("norfolk", "Norfolk Constabulary", "E23000024"),
    Force("suffolk", "Suffolk Constabulary", "E23000025"),
    Force("bedfordshire", "Bedfordshire Police", "E23000026"),
    Force("hertfordshire", "Hertfordshire Constabulary", "E23000027"),
    Force("essex", "Essex Police", "E23000028"),
    Force("thames-valley", "Thames Valley Police", "E23000029"),
    Force("hampshire", "Hampshire Constabulary", "E23000030"),
    Force("surrey", "Surrey Police", "E23000031"),
    Force("kent", "Kent Police", "E23000032"),
    Force("sussex", "Sussex Police", "E23000033"),
    Force("city-of-london", "City of London Police", "E23000034"),
    Force("devon-and-cornwall", "Devon & Cornwall Police", "E23000035"),
    Force("avon-and-somerset", "Avon and Somerset Constabulary", "E23000036"),
    Force("gloucestershire", "Gloucestershire Constabulary", "E23000037"),
    Force("wiltshire", "Wiltshire Police", "E23000038"),
    Force("dorset", "Dorset Police", "E23000039"),
    Force("north-wales", "North Wales Police", "W15000001"),
    Force("gwent", "Gwent Police", "W15000002"),
    Force("south-wales", "South Wales Police", "W15000003"),
    Force("dyfed-powys", "Dyfed-Powys Police", "W15000004"),
    Force("btp", "British Transport Police", None),
    Force("northern-ireland", "Police Service of Northern Ireland", None),
)


def _key(text: str) -> str:
    text = text.lower().replace("&", "and")
    text = re.sub(r"\b(police service|police|constabulary|service)\b", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


_LOOKUP: dict[str, Force] = {}
for _f in FORCES:
    _LOOKUP[_f.slug] = _f
    _LOOKUP[_key(_f.name)] = _f
    _LOOKUP[_key(_f.slug)] = _f
_LOOKUP["metropolitan-police"] = _LOOKUP["metropolitan"]
_LOOKUP["met"] = _LOOKUP["metropolitan"]
_LOOKUP["british-transport"] = _LOOKUP["btp"]


def find_force(name: str) -> Force | None:
    """A force from its slug or published name ('essex', 'Essex Police', 'ESSEX')."""
    return _LOOKUP.get(name.strip().lower()) or _LOOKUP.get(_key(name))


def force_slug(name: str) -> str:
    """The force's slug if known, else a slug made from the name (so other data still loads)."""
    force = find_force(name)
    return force.slug if force else _key(name) or "unknown"
