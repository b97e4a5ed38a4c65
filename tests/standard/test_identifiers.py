"""Identifier formats and check characters, with hand-computed examples and round trips."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimeplan.standard import identifiers as ids
from crimeplan.standard.identifiers import InvalidIdentifier


def test_nhs_number_check_digit_by_hand() -> None:
    # 9·10 + 4·9 + 3·8 + 4·7 + 7·6 + 6·5 + 5·4 + 9·3 + 1·2 = 299; 299 mod 11 = 2; 11 - 2 = 9
    assert ids.nhs_check_digit("943476591") == 9
    assert ids.canonical_nhs_number("943 476 5919") == "9434765919"
    # 4·10 + 0·9 + 1·8 + 0·7 + 2·6 + 3·5 + 2·4 + 1·3 + 3·2 = 92; 92 mod 11 = 4; 11 - 4 = 7
    assert ids.nhs_check_digit("401023213") == 7
    assert ids.nhs_check_digit("000000001") == 9      # 1·2 = 2; 11 - 2 = 9
    assert ids.nhs_check_digit("100000000") == 1      # 1·10 = 10; 11 - 10 = 1
    assert ids.nhs_check_digit("000000011") == 6      # 1·3 + 1·2 = 5; 11 - 5 = 6
    assert ids.nhs_check_digit("000001101") == 0      # 1·5 + 1·4 + 1·2 = 11: 11 means 0
    assert ids.nhs_check_digit("000000006") is None   # 6·2 = 12; 12 mod 11 = 1; 11 - 1 = 10


def test_nhs_number_errors_carry_codes() -> None:
    with pytest.raises(InvalidIdentifier) as wrong:
        ids.canonical_nhs_number("9434765918")
    assert wrong.value.code == "check-digit"
    with pytest.raises(InvalidIdentifier) as short:
        ids.canonical_nhs_number("94347659")
    assert short.value.code == "format"


def test_pnc_check_letter_by_hand() -> None:
    # "12" + "0052494" = 120052494; 120052494 mod 23 = 15; the 16th letter of
    # ZABCDEFGHJKLMNPQRTUVWXY is Q
    assert ids.check_letter("120052494") == "Q"
    assert ids.canonical_pnc_id("2012/0052494Q") == "2012/0052494Q"
    assert ids.canonical_pnc_id("2012/52494q") == "2012/0052494Q"
    # 900123456 mod 23 = 10 -> K
    assert ids.canonical_pnc_id("1990/0123456K") == "1990/0123456K"
    with pytest.raises(InvalidIdentifier) as wrong:
        ids.canonical_pnc_id("90/123456X")
    assert wrong.value.code == "check-digit"
    with pytest.raises(InvalidIdentifier) as bad:
        ids.canonical_pnc_id("2012-0052494Q")
    assert bad.value.code == "format"


def test_pnc_two_digit_years_take_their_century() -> None:
    assert ids._full_year("90", dt.date(2026, 1, 1)) == "1990"
    assert ids._full_year("12", dt.date(2026, 1, 1)) == "2012"
    assert ids._full_year("26", dt.date(2026, 1, 1)) == "2026"
    assert ids.canonical_pnc_id("90/123456K") == "1990/0123456K"


def test_cro_number_both_forms_by_hand() -> None:
    # "08" + "123456" = 08123456; 8123456 mod 23 = 17 -> T
    assert ids.canonical_cro_number("123456/08T") == "123456/08T"
    # a short serial is padded: "08" + "023456" = 8023456; 8023456 mod 23 = 21 -> X
    assert ids.canonical_cro_number("23456/08X") == "023456/08X"
    # small fingerprint form: "08" + "12345" = 0812345; 812345 mod 23 = 8 -> H
    assert ids.canonical_cro_number("sf08/12345h") == "SF08/12345H"
    with pytest.raises(InvalidIdentifier) as wrong:
        ids.canonical_cro_number("123456/08C")
    assert wrong.value.code == "check-digit"


def test_crn_and_prison_number_formats() -> None:
    assert ids.canonical_probation_crn("x123456") == "X123456"
    assert ids.canonical_prison_number("a1234bc") == "A1234BC"
    for check, value in ((ids.canonical_probation_crn, "X12345"),
                         (ids.canonical_prison_number, "A12345C")):
        with pytest.raises(InvalidIdentifier) as bad:
            check(value)
        assert bad.value.code == "format"


@given(st.integers(0, 99), st.integers(0, 9_999_999))
def test_pnc_round_trip(year: int, serial: int) -> None:
    """A PNC ID made with its check letter is accepted and canonical in both forms."""
    yy, nnnnnnn = f"{year:02d}", f"{serial:07d}"
    letter = ids.check_letter(yy + nnnnnnn)
    long_form = ids.canonical_pnc_id(f"20{yy}/{nnnnnnn}{letter}")
    assert long_form == f"20{yy}/{nnnnnnn}{letter}"
    assert ids.canonical_pnc_id(long_form) == long_form
    letters = ids.CHECK_LETTERS
    other = letters[(letters.index(letter) + 1) % len(letters)]
    with pytest.raises(InvalidIdentifier):
        ids.canonical_pnc_id(f"20{yy}/{nnnnnnn}{other}")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_round_trip(first_nine: str) -> None:
    check = ids.nhs_check_digit(first_nine)
    if check is None:
        for d in range(10):
            with pytest.raises(InvalidIdentifier):
                ids.canonical_nhs_number(first_nine + str(d))
    else:
        assert ids.canonical_nhs_number(first_nine + str(check)) == first_nine + str(check)
        with pytest.raises(InvalidIdentifier):
            ids.canonical_nhs_number(first_nine + str((check + 1) % 10))
