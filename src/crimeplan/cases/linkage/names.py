"""Names as record linkage compares them: normalised, with nicknames mapped to the names they
are short for (``names.yaml``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

NAMES_FILE = Path(__file__).with_name("names.yaml")


@dataclass(frozen=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    #: nickname -> the name it is short for
    nicknames: dict[str, str]


@lru_cache(maxsize=1)
def names() -> Names:
    doc = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    return Names(tuple(doc["given"]["female"]), tuple(doc["given"]["male"]),
                 tuple(doc["surnames"]), dict(doc["nicknames"]))


def normalise(name: str | None) -> str | None:
    """Lower-case ASCII letters only (``O'Brien`` → ``obrien``, ``Zoë`` → ``zoe``); None when
    nothing is left."""
    if not name:
        return None
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower()) or None


def given_variants(*given: str | None) -> list[str]:
    """Every normalised given name with the full name each nickname stands for."""
    out: set[str] = set()
    for name in map(normalise, given):
        if name:
            out.add(name)
            out.add(names().nicknames.get(name, name))
    return sorted(out)


def family_variants(*family: str | None) -> list[str]:
    return sorted({n for n in map(normalise, family) if n})
