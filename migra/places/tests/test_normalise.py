"""Search keys: one key for every usual way of writing a name."""

from __future__ import annotations

import pytest

from migra.places.normalise import code_key, script_of, search_key, search_text


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Siem Reap", "siemreap"),
        ("  SIEMREAP ", "siemreap"),
        ("Lao People's Democratic Republic", "laopeoplesdemocraticrepublic"),
        ("Korea, Republic of", "korearepublicof"),
        # Khmer with spaces, zero-width spaces and joiners: one key.
        ("សៀម រាប", "សៀមរាប"),
        ("សៀម\u200bរាប", "សៀមរាប"),
        ("\ufeffសៀម\u200dរាប\u2060", "សៀមរាប"),
        # Khmer digits are Arabic digits.
        ("ភូមិទី ៣", "ភូមិទី3"),
        ("០១", "01"),
        # COENG DA and COENG TA are written interchangeably (the key spells COENG TA).
        ("កណ្ដាល", "កណ្តាល"),
        # A vowel typed before the subscript (another keyboard's order).
        ("ខែ្មរ", "ខ្មែរ"),
        # "Province" and "capital" before a name are dropped…
        ("ខេត្តសៀមរាប", "សៀមរាប"),
        ("រាជធានីភ្នំពេញ", "ភ្នំពេញ"),
        # …but not when nothing else is left.
        ("ខេត្ត", "ខេត្ត"),
        ("ខេត្ដ", "ខេត្ត"),
        ("กรุงเทพมหานคร", "กรุงเทพมหานคร"),
        ("", ""),
        (" \u200b ", ""),
    ],
)
def test_search_key(typed: str, key: str) -> None:
    assert search_key(typed) == key


def test_decomposed_input_is_composed_first() -> None:
    assert search_key("Kratie\u0301") == search_key("Kratié")


def test_code_key() -> None:
    assert code_key(" th-27 ") == "TH-27"
    assert code_key("០១០២") == "0102"


@pytest.mark.parametrize(
    ("text", "script"),
    [("Kampong", "en"), ("កំពង់", "km"), ("1 កំពង់", "km"), ("ไทย", "th"), ("01", "en")],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


def test_search_text_joins_every_name_once() -> None:
    text = search_text(
        name_km="សៀម រាប", name_en="Siemreap", name_th="", code="17", aliases=("Siem Reap",)
    )
    # The alias has the same key as the English name: kept once.
    assert text == "សៀមរាប siemreap 17"
