"""Person identifiers whose formats are public: checked, and written one canonical way.

Each ``canonical_<type>`` takes what a person typed (any case, spaces allowed) and returns the
identifier in its canonical form, or raises :class:`InvalidIdentifier` with a stable code
(``format`` or ``check-digit``) and a sentence for people. Canonical forms make exact
comparison meaningful (record linkage compares identifiers exactly).

- **NHS number**: 10 digits; the tenth is a modulus 11 check digit over the first nine
  weighted 10 down to 2 (11 - remainder, 11 meaning 0, 10 meaning the number is invalid).
  Canonical: the 10 digits without spaces.
- **PNC ID**: year, ``/``, serial, check letter. The letter is ``ZABCDEFGHJKLMNPQRTUVWXY``
  indexed by the two-digit year followed by the serial padded to 7 digits, modulo 23.
  Canonical: ``YYYY/NNNNNNNA``; a two-digit year is read as 20YY up to the current year, 19YY
  after it (the PNC began in 1974).
- **CRO number**: ``NNNNNN/YYA`` (serial padded to 6 for the check) or the small-fingerprint
  form ``SFYY/NNNNNNA``; the same check letter over year then serial, modulo 23.
- **Probation case reference number (CRN)**: one letter and six digits, ``A123456``.
- **Prison (NOMIS) number**: a letter, four digits, two letters, ``A1234BC``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

#: The 23 letters of PNC and CRO check characters (I, O and S are not used).
CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


class InvalidIdentifier(ValueError):
    """An identifier that does not fit its public format."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of nine digits, or None when no digit can be valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def canonical_nhs_number(value: str) -> str:
    digits = _compact(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise InvalidIdentifier("format", "An NHS number is 10 digits, like 943 476 5919")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidIdentifier("check-digit",
                                "This NHS number's check digit is wrong: check it was copied "
                                "correctly")
    return digits


def check_letter(number: str) -> str:
    """The PNC/CRO check letter of a string of digits."""
    return CHECK_LETTERS[int(number) % len(CHECK_LETTERS)]


def _full_year(two_digits: str, today: dt.date | None = None) -> str:
    current = (today or dt.date.today()).year % 100
    return f"{20 if int(two_digits) <= current else 19}{two_digits}"


def canonical_pnc_id(value: str) -> str:
    found = re.fullmatch(r"(\d{2}|\d{4})/?(\d{1,7})([A-Z])", _compact(value))
    if not found:
        raise InvalidIdentifier("format", "A PNC ID is the year, a slash, up to 7 digits and "
                                          "a check letter, like 2012/0052494Q")
    year, serial, letter = found.groups()
    serial = serial.zfill(7)
    if check_letter(year[-2:] + serial) != letter:
        raise InvalidIdentifier("check-digit", "This PNC ID's check letter is wrong: check it "
                                               "was copied correctly")
    full = year if len(year) == 4 else _full_year(year)
    return f"{full}/{serial}{letter}"


def canonical_cro_number(value: str) -> str:
    text = _compact(value)
    small = re.fullmatch(r"SF(\d{2})/(\d{1,6})([A-Z])", text)
    standard = re.fullmatch(r"(\d{1,6})/(\d{2})([A-Z])", text)
    if small:
        year, serial, letter = small.groups()
        canonical, checked = text, year + serial
    elif standard:
        serial, year, letter = standard.groups()
        canonical, checked = f"{serial.zfill(6)}/{year}{letter}", year + serial.zfill(6)
    else:
        raise InvalidIdentifier("format", "A CRO number looks like 123456/08T or SF08/12345H")
    if check_letter(checked) != letter:
        raise InvalidIdentifier("check-digit", "This CRO number's check letter is wrong: "
                                               "check it was copied correctly")
    return canonical


def canonical_probation_crn(value: str) -> str:
    text = _compact(value)
    if not re.fullmatch(r"[A-Z]\d{6}", text):
        raise InvalidIdentifier("format", "A probation CRN is a letter and 6 digits, "
                                          "like X123456")
    return text


def canonical_prison_number(value: str) -> str:
    text = _compact(value)
    if not re.fullmatch(r"[A-Z]\d{4}[A-Z]{2}", text):
        raise InvalidIdentifier("format", "A prison number is a letter, 4 digits and 2 "
                                          "letters, like A1234BC")
    return text


#: The checker of each identifier column with a public format (``local_reference`` is free).
CANONICAL: dict[str, Callable[[str], str]] = {
    "pnc_id": canonical_pnc_id,
    "cro_number": canonical_cro_number,
    "probation_crn": canonical_probation_crn,
    "nhs_number": canonical_nhs_number,
    "prison_number": canonical_prison_number,
}
