"""migra.lib.khmer.digits: numbers typed with Khmer or Arabic digits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migra.lib.khmer.digits import (
    MAX_NUMBER_LENGTH,
    parse_decimal,
    parse_int,
    to_arabic_digits,
    to_khmer_digits,
)
from migra.lib.khmer.numbers import format_number
from migra.lib.khmer.tests.test_normalize import PROPERTIES


def test_digits_convert_both_ways_and_leave_everything_else() -> None:
    assert to_khmer_digits("ថ្ងៃទី 24/11/2026") == "ថ្ងៃទី ២៤/១១/២០២៦"
    assert to_arabic_digits("ថ្ងៃទី ២៤/១១/២០២៦") == "ថ្ងៃទី 24/11/2026"
    assert to_arabic_digits("៰៱ ๑") == "៰៱ ๑"  # divination numerals and Thai digits stay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("៣៥", 35),
        ("35", 35),
        ("១2៣", 123),  # mixed digits, as a phone keyboard switch leaves them
        ("007", 7),
        (" ៤២ ", 42),
        ("-12", -12),
        ("−៥", -5),
        ("+3", 3),
        ("80,000", 80000),
        ("៨០,០០០", 80000),
        ("80 000", 80000),
        ("80\u00a0000", 80000),
        ("1.234.567", 1234567),  # how format_number writes Khmer numbers (CLDR km)
        ("១.២៣៤", 1234),
        ("1,234", 1234),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_parse_int(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "-",
        "abc",
        "១២ នាក់",
        "1,5",  # a fraction is not an integer
        "1,234.0",
        "1,2,3",  # groups must have three digits
        "12,34",
        "0,500",
        "1,234 567",  # one kind of separator
        "1.234,567.8",
        "1e5",
        "NaN",
        "Infinity",
        "٣",  # Arabic-Indic digit
        "๓",  # Thai digit
        "1_000",
        "1..2",
        ".5",
        "5.",
        "--5",
        "1" * (MAX_NUMBER_LENGTH + 1),
        "1" * 1_000_000,
        "\ud800",
    ],
)
def test_parse_int_refuses_garbage(text: str) -> None:
    assert parse_int(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5", "12.5"),
        ("12,5", "12.5"),  # the Khmer (CLDR) decimal comma
        ("១២,៥", "12.5"),
        ("១២.៥", "12.5"),
        ("0.125", "0.125"),  # a leading 0 group is always a fraction
        ("1.2340", "1.2340"),
        ("1,234.5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("១.២៣៤.៥៦៧,៨៩", "1234567.89"),
        ("80 000,5", "80000.5"),
        ("1,234", "1234"),  # ambiguous: read as thousands (see the module documentation)
        ("-0,5", "-0.5"),
        ("42", "42"),
    ],
)
def test_parse_decimal(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "1,2,3", "1.234,567.8", "1,5,0", "abc", "1e-3", "5."])
def test_parse_decimal_refuses_garbage(text: str) -> None:
    assert parse_decimal(text) is None


@settings(PROPERTIES, max_examples=300)
@given(st.integers(min_value=-(10**18), max_value=10**18), st.booleans())
def test_integers_formatted_for_khmer_read_back(number: int, khmer_digits: bool) -> None:
    assert parse_int(format_number(number, khmer_digits=khmer_digits)) == number
    assert parse_int(f"{number:,}") == number


@settings(PROPERTIES, max_examples=300)
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2), st.booleans())
def test_decimals_formatted_for_khmer_read_back(number: Decimal, khmer_digits: bool) -> None:
    assert parse_decimal(format_number(number, khmer_digits=khmer_digits)) == number


@settings(PROPERTIES, max_examples=300)
@given(st.text(max_size=50))
def test_parsers_never_raise(text: str) -> None:
    parse_int(text)
    parse_decimal(text)
