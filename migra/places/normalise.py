"""The search keys of place names, and of what people type to find them.

One function makes both sides, so a name and a query typed in any of the usual
ways meet: "Siem Reap", "siemreap" and "Siemreap" are one key; Khmer typed with
or without spaces or zero-width spaces is one key; Khmer digits are Arabic ones.

Built on migra.lib.khmer.normalize (no `\\w`, no slugify). Matching is by prefix
and substring of whole names; ICU word segmentation may come later.
"""

from __future__ import annotations

import unicodedata

from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.khmer.normalize import fold

# Light punctuation that carries no meaning for matching a place name. (Invisible
# characters are dropped by migra.lib.khmer.normalize and by the category filter.)
_DROP = {ord(c): None for c in "-\u2010\u2011'\u2019.,()"}

# Words for "capital" and "province" that people type before a province's name (and
# that the source writes before Phnom Penh's). No Cambodian place name starts with
# them otherwise, so dropping them from both sides is safe.
_KHMER_TITLES = ("រាជធានី", "ខេត្ត")
_KEYED_TITLES = tuple(fold(t) for t in _KHMER_TITLES)

KHMER_RANGE = ("\u1780", "\u17ff")
THAI_RANGE = ("\u0e00", "\u0e7f")


def search_key(text: str) -> str:
    """The form of a name (or a query) used for matching.

    The project's Khmer comparison key (`migra.lib.khmer.normalize.fold`: invisible
    characters removed, NFC, syllables in canonical order, coeng DA as coeng TA,
    case folded), then Khmer digits as Arabic digits, light punctuation, control
    characters and all white space removed, and a leading "រាជធានី" or "ខេត្ត" dropped.
    """
    text = to_arabic_digits(fold(text)).translate(_DROP)
    # Control, format, surrogate and unassigned characters never help a match, and
    # NUL is refused by PostgreSQL.
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    key = "".join(text.split())
    for title in _KEYED_TITLES:
        if key.startswith(title) and len(key) > len(title):
            key = key[len(title) :]
    return key


def code_key(text: str) -> str:
    """The form of a typed place code: trimmed, Arabic digits, upper case ("th-10" → "TH-10")."""
    return to_arabic_digits(unicodedata.normalize("NFC", text)).strip().upper()


def script_of(text: str) -> str:
    """ "km", "th" or "en": the script a query is written in, for ordering results."""
    for char in text:
        if KHMER_RANGE[0] <= char <= KHMER_RANGE[1]:
            return "km"
        if THAI_RANGE[0] <= char <= THAI_RANGE[1]:
            return "th"
    return "en"


def search_text(
    *, name_km: str, name_en: str, name_th: str, code: str, aliases: tuple[str, ...] = ()
) -> str:
    """The row's `search_text`: the keys of every name and the code, separated by spaces.

    A query key holds no spaces, so a substring match never spans two names.
    """
    parts = [search_key(name_km), search_key(name_en), search_key(name_th), search_key(code)]
    parts += [search_key(alias) for alias in aliases]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return " ".join(seen)
