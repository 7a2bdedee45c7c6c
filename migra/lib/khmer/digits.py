"""Khmer digits (០–៩) ↔ Arabic digits (0–9)."""

from __future__ import annotations

KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
ARABIC_DIGITS = "0123456789"
_TO_KHMER = str.maketrans(ARABIC_DIGITS, KHMER_DIGITS)
_TO_ARABIC = str.maketrans(KHMER_DIGITS, ARABIC_DIGITS)


def to_khmer_digits(text: str) -> str:
    return text.translate(_TO_KHMER)


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)
