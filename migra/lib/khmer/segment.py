"""Word segmentation of Khmer (and mixed) text with ICU's dictionary-based word breaker.

    >>> segment("ការជួញដូរមនុស្ស")
    ['ការ', 'ជួញដូរ', 'មនុស្ស']
    >>> segment("ខ្ញុំមាន 3 នាក់ and ២០២៤។")
    ['ខ្ញុំ', 'មាន', '3', 'នាក់', 'and', '២០២៤']
    >>> segment_keys("Sok មាន ២០២៤")
    ['sok', 'មាន', '2024']

Khmer is written without spaces between words; ICU (through PyICU, built against the
system ICU) finds the words with its Khmer dictionary. Text is normalised first
(migra.lib.khmer.normalize), so text typed on different keyboards gives the same words.

- `segment(text)`: the words, as written (after normalisation): Khmer words, Latin words
  (case kept), numbers in Khmer or Arabic digits ("3.5", "១,០០០" stay whole; digits
  written against Khmer letters are a word of their own: "ឆ្នាំ២០២៤" → ឆ្នាំ, ២០២៤). Spaces,
  punctuation (។ ៕ ៖ « » …), symbols, emoji and the repetition sign ៗ are dropped.
- `segment_keys(text)`: the same words as search keys: case-folded, Khmer digits
  written as Arabic digits, so "២០២៤" and "2024" meet.
- `segment_spans(text)`: (start, end, word) with start:end the word's place in the
  ORIGINAL text, to cut snippets and highlight at word boundaries.
- `word_boundaries(text)`: every offset of the original text where a cut falls
  between two words, spaces or punctuation marks, never inside a cluster.

ICU counts offsets in UTF-16 code units; they are converted to Python string indices
(an emoji outside the Basic Multilingual Plane is one index in Python, two in ICU).
One BreakIterator is kept per thread: creating one costs far more than using it.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from itertools import pairwise
from typing import NamedTuple

import icu

from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.khmer.normalize import fold, normalize, normalize_with_offsets

__all__ = [
    "ICU_VERSION",
    "PYICU_VERSION",
    "Span",
    "segment",
    "segment_keys",
    "segment_spans",
    "word_boundaries",
]

ICU_VERSION: str = icu.ICU_VERSION
PYICU_VERSION: str = icu.VERSION

_LOCALE = icu.Locale("km")
_local = threading.local()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LEK_TOO = "\u17d7"
_DIGITS = re.compile("[0-9\u17e0-\u17e9]+")
# A digit with a Khmer letter or mark (U+1780–U+17DD) right before or after it.
_DIGIT_BY_KHMER = re.compile(
    "[0-9\u17e0-\u17e9](?:(?<=[\u1780-\u17dd][0-9\u17e0-\u17e9])|(?=[\u1780-\u17dd]))"
)


class Span(NamedTuple):
    """A word of the normalised text and the part of the original text it comes from."""

    start: int
    end: int
    word: str


def _iterator() -> icu.BreakIterator:
    iterator = getattr(_local, "iterator", None)
    if iterator is None:
        iterator = _local.iterator = icu.BreakIterator.createWordInstance(_LOCALE)
    return iterator


def _boundaries(text: str) -> list[int]:
    """The word boundaries of text, as Python indices, 0 and len(text) included."""
    iterator = _iterator()
    iterator.setText(text)
    bounds = list(iterator)  # every boundary after 0, in UTF-16 code units
    if len(text.encode("utf-16-le")) != 2 * len(text):  # quicker than a regex search
        # A character outside the BMP takes two UTF-16 units: take away one for every
        # such character that ends at or before the boundary.
        ends = [m.start() + k + 2 for k, m in enumerate(_ASTRAL.finditer(text))]
        bounds = [b - bisect_right(ends, b) for b in bounds]
    bounds.insert(0, 0)
    if _DIGIT_BY_KHMER.search(text):
        bounds = _split_digits_from_khmer(text, bounds)
    return bounds


def _split_digits_from_khmer(text: str, bounds: list[int]) -> list[int]:
    """ICU keeps Khmer letters and the digits written against them as one word
    ("ឆ្នាំ២០២៤", the year 2024): cut between them so the number is a word of its own."""
    cuts = []
    for run in _DIGITS.finditer(text):
        start, end = run.span()
        if start and "\u1780" <= text[start - 1] <= "\u17dd":
            cuts.append(start)
        if end < len(text) and "\u1780" <= text[end] <= "\u17dd":
            cuts.append(end)
    new = []
    for cut in cuts:
        i = bisect_left(bounds, cut)
        if i == len(bounds) or bounds[i] != cut:
            new.append(cut)
    # Two sorted runs: Python's sort merges them in linear time.
    return sorted(bounds + new) if new else bounds


def _words(text: str) -> list[str]:
    """The word tokens of normalised text: those that start with a letter or a digit."""
    if not text:
        return []
    bounds = _boundaries(text)
    # The hot loop of segmentation: one index, one method call and one slice per token.
    words = [text[a:b] for a, b in pairwise(bounds) if text[a].isalnum()]
    if _LEK_TOO in text:  # ៗ is a letter to Unicode but a repetition sign here
        words = [word for word in words if word != _LEK_TOO]
    return words


def segment(text: str) -> list[str]:
    """The words of text, normalised, in order (see the module documentation)."""
    return _words(normalize(text))


def segment_keys(text: str) -> list[str]:
    """The words of text as search keys: folded case, Arabic digits."""
    return _words(to_arabic_digits(fold(text)))


def segment_spans(text: str) -> list[Span]:
    """The words of text with their place in the original text: text[start:end].

    A word's span covers what it was normalised from: "ខែ្មរ" (misordered) gives the
    word "ខ្មែរ" with the span of the five original characters.
    """
    normal, starts, ends = normalize_with_offsets(text)
    if not normal:
        return []
    bounds = _boundaries(normal)
    return [
        Span(starts[a], ends[b - 1], normal[a:b])
        for a, b in pairwise(bounds)
        if normal[a].isalnum() and normal[a:b] != _LEK_TOO
    ]


def word_boundaries(text: str) -> list[int]:
    """Offsets of the original text where a snippet may be cut: 0, len(text) and every
    boundary between words, spaces and punctuation; never inside a word or a cluster."""
    normal, starts, ends = normalize_with_offsets(text)
    result = {0, len(text)}
    if normal:
        bounds = _boundaries(normal)
        result.update(starts[b] for b in bounds[1:-1])
        result.update(ends[b - 1] for b in bounds[1:-1])
    return sorted(result)
