"""Khmer digits (០–៩) ↔ Arabic digits (0–9), and numbers typed with either.

    >>> to_khmer_digits("2026"), to_arabic_digits("២០២៦")
    ('២០២៦', '2026')
    >>> parse_int("១,២៣៤"), parse_int("80 000"), parse_int("abc")
    (1234, 80000, None)
    >>> parse_decimal("១២,៥"), parse_decimal("1,234.5"), parse_decimal("1.234,5")
    (Decimal('12.5'), Decimal('1234.5'), Decimal('1234.5'))

What the parsers accept (anything else gives None, never an exception):

- digits ០–៩ and 0–9, mixed if need be; no other script's digits (Thai ๑, Arabic-Indic
  ١ …), no exponent, no "NaN"/"Infinity", at most 40 characters in all;
- an optional sign: "+", "-" or "−" (U+2212), and spaces around the number;
- thousands separators: "," or "." or a space (also no-break and thin spaces). A
  separator only groups when every group after it has exactly three digits and the
  first has one to three: "1,234,567", "1.234.567" (how migra.lib.khmer.numbers and
  CLDR write Khmer numbers), "80 000";
- one decimal separator, "." or ",": Cambodians write both — the decimal point of
  English and of most phones' keyboards, and the decimal comma of CLDR's Khmer
  conventions (which this project uses to show numbers). When both appear, the last
  one is the decimal separator ("1.234,5" and "1,234.5" are both 1234.5).
- The one ambiguous form, a single "," or "." followed by exactly three digits
  ("1,234", "1.234"), is read as a thousands separator: counts, amounts in riel and
  targets ("80,000 beneficiaries") are written that way all the time, three-decimal
  fractions almost never, and it is what format_number writes for 1234. Write
  "1.2340" or "1,234.0" to mean something else. A leading "0" group ("0.125") is
  always a fraction.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "ARABIC_DIGITS",
    "KHMER_DIGITS",
    "MAX_NUMBER_LENGTH",
    "parse_decimal",
    "parse_int",
    "to_arabic_digits",
    "to_khmer_digits",
]

KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
ARABIC_DIGITS = "0123456789"
_TO_KHMER = str.maketrans(ARABIC_DIGITS, KHMER_DIGITS)
_TO_ARABIC = str.maketrans(KHMER_DIGITS, ARABIC_DIGITS)

MAX_NUMBER_LENGTH = 40

# Spaces that may separate groups of thousands: space, no-break, narrow no-break, thin.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_SEPARATOR = "[.," + _GROUP_SPACES + "]"
_BODY = re.compile("[0-9]+(?:" + _SEPARATOR + "[0-9]+)*")
_SPLIT = re.compile("(" + _SEPARATOR + ")")
_MINUS = ("-", "\u2212")


def to_khmer_digits(text: str) -> str:
    return text.translate(_TO_KHMER)


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def _grouped(runs: list[str]) -> bool:
    """Runs of digits between thousands separators: 1–3 digits, then threes."""
    first = runs[0]
    return 1 <= len(first) <= 3 and first[0] != "0" and all(len(run) == 3 for run in runs[1:])


def _parse(text: str) -> tuple[bool, str, str] | None:
    """(negative, integer digits, fraction digits) of text, or None if not a number."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_LENGTH:
        return None
    text = to_arabic_digits(text).strip(_GROUP_SPACES + "\t\n\r")
    negative = text[:1] in _MINUS
    if text[:1] in ("+", *_MINUS):
        text = text[1:]
    if _BODY.fullmatch(text) is None:
        return None
    parts = _SPLIT.split(text)
    runs, separators = parts[0::2], parts[1::2]
    if not separators:
        return negative, text, ""
    decimal = False
    last = separators[-1]
    if last in ".,":
        earlier = separators[:-1]
        if last in earlier:
            decimal = False  # "1.234.567": the same mark more than once groups thousands
        elif any(s in ".," for s in earlier):
            decimal = True  # "1,234.5" / "1.234,5": the last mark is the decimal one
        else:
            # The only mark: "1,5" is a fraction; "1,234" groups thousands (see above).
            decimal = not (len(runs[-1]) == 3 and len(set(separators)) == 1 and _grouped(runs))
    if decimal:
        runs, fraction, separators = runs[:-1], runs[-1], separators[:-1]
    else:
        fraction = ""
    if separators and (len(set(separators)) != 1 or not _grouped(runs)):
        return None
    return negative, "".join(runs), fraction


def parse_int(text: str) -> int | None:
    """The integer written in text (Khmer or Arabic digits, grouped or not), else None."""
    parsed = _parse(text)
    if parsed is None or parsed[2]:
        return None
    negative, whole, _ = parsed
    value = int(whole)
    return -value if negative else value


def parse_decimal(text: str) -> Decimal | None:
    """The decimal number written in text, else None (see the module documentation)."""
    parsed = _parse(text)
    if parsed is None:
        return None
    negative, whole, fraction = parsed
    value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    return -value if negative else value
