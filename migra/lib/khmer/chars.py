"""Khmer character classes (U+1780–U+17FF), as regex character-class bodies and sets.

Categories follow Unicode Technical Note #61 "Khmer Encoding Structure" (M. Hosken)
and SIL's reference normaliser `khnormal` (sillsdev/khmer-character-specification):
a syllable cluster is a base followed by its marks, stored in this order:

    base, robat, subscripts (coeng + consonant; coeng + RO last), register shifter,
    dependent vowel, modifier signs (nikahit, bantoc, …), final signs (reahmuk,
    yuukaleapintu)

Never use `\\w` on Khmer: Python's `\\w` treats dependent vowels and the coeng as
non-word characters and cuts syllables apart. Use these classes instead.
"""

from __future__ import annotations

# Consonants U+1780–U+17A2 and the independent vowels U+17A5–U+17B3 (U+17A3/U+17A4 are
# deprecated and replaced by normalize()).
BASE = "\u1780-\u17a2\u17a5-\u17b3"
COENG = "\u17d2"
RO = "\u179a"
ROBAT = "\u17cc"
SHIFTERS = "\u17c9\u17ca"  # muusikatoan, triisap
VOWEL_PRE = "\u17be-\u17c5"  # pre-base and split vowels (UTN #61 orders these first)
VOWEL_BELOW = "\u17bb-\u17bd"
VOWEL_ABOVE = "\u17b7-\u17ba"
VOWEL_POST = "\u17b6"
VOWELS = "\u17b6-\u17c5"
# Modifier signs: nikahit, bantoc, toandakhiat, kakabat, ahsda, samyok sannya,
# viriam, bathamasat, atthacan.
SIGNS = "\u17c6\u17cb\u17cd-\u17d1\u17d3\u17dd"
FINALS = "\u17c7\u17c8"  # reahmuk, yuukaleapintu
# Every combining mark that belongs to a cluster, coeng excluded.
MARKS = "\u17b6-\u17d1\u17d3\u17dd"

LEK_TOO = "\u17d7"  # ៗ repetition sign
KHAN = "\u17d4"  # ។ full stop
BARIYOOSAN = "\u17d5"  # ៕ end of text
DIGITS = "\u17e0-\u17e9"

# UTN #61 "StrongBase" consonants. A legacy -u (U+17BB) typed under a cluster that holds
# one of these (and no BA) together with an above vowel stands for TRIISAP U+17CA; under
# any other cluster it stands for MUUSIKATOAN U+17C9 (both render alike: see normalize).
STRONG_BASES = frozenset(
    "\u1780\u1781\u1782\u1783\u1785\u1786\u1787\u1788\u178a\u178b\u178c\u178d"
    "\u178f\u1790\u1791\u1792\u1795\u1796\u1797\u179e\u179f\u17a0\u17a2"
)
BA = "\u1794"


def is_khmer(char: str) -> bool:
    """True for a character of the Khmer block U+1780–U+17FF."""
    return "\u1780" <= char <= "\u17ff"
