"""migra.lib.khmer.normalize: Khmer typed on different keyboards compares equal."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migra.lib.khmer import normalize as module
from migra.lib.khmer.normalize import fold, normalize, normalize_with_offsets

# Property tests are reproducible (a fixed seed), keep no example database in the work
# tree and have no time limit per example: speed is measured by bench/, not here.
PROPERTIES = settings(database=None, derandomize=True, deadline=None)

# --------------------------------------------------------------------------- strategies

KHMER = [chr(c) for c in range(0x1780, 0x17FA)]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
OTHER = [
    *"aZ09 .,?«»\n\t",
    "\u00a0",
    "\u3000",
    "e\u0301",
    "\u0316",
    "😀",
    "👍🏽",
    "\ufe0f",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\ude00",
    "\U0002f800",  # a CJK compatibility ideograph: NFC maps it into the BMP
    "\u0f73",  # a Tibetan vowel NFC decomposes into two combining marks
    "\u1100\u1161",  # Hangul jamo that NFC composes
]
# Mostly Khmer, with everything that normalize treats specially mixed in.
khmer_text = st.lists(st.sampled_from(KHMER * 4 + INVISIBLE + OTHER), min_size=0, max_size=40).map(
    "".join
)
any_text = st.one_of(khmer_text, st.text(max_size=60))

BASES = ["ក", "ខ", "គ", "ង", "ច", "ញ", "ត", "ន", "ប", "ព", "ម", "យ", "រ", "ល", "ស", "ហ", "អ"]
SUBSCRIPTS = ["្ក", "្ត", "្ន", "្ម", "្យ", "្ល", "្វ", "្ស"]
VOWELS = [chr(c) for c in range(0x17B6, 0x17C6)]
SIGNS = ["ំ", "់", "៍", "័", "៏"]
FINALS = ["ះ", "ៈ"]


@st.composite
def typed_clusters(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A well-formed cluster in canonical order, and its units (to type in any order)."""
    units = [draw(st.sampled_from(SUBSCRIPTS))] if draw(st.booleans()) else []
    if draw(st.booleans()):
        units.append("្រ")
    if draw(st.booleans()):
        units.append(draw(st.sampled_from(["៉", "៊"])))
    if draw(st.booleans()):
        units.append(draw(st.sampled_from(VOWELS)))
    if draw(st.booleans()):
        units.append(draw(st.sampled_from(SIGNS)))
    if draw(st.booleans()):
        units.append(draw(st.sampled_from(FINALS)))
    return draw(st.sampled_from(BASES)), units


def reference_normalize(text: str) -> str:
    """normalize() with every cluster examined, not only those the detectors flag."""
    text = module._SURROGATE_UNIT.sub(module._surrogate_replacement, text)
    text = module._SPECIAL.sub(module._special_replacement, text)
    text = unicodedata.normalize("NFC", text)
    text = module._apply(text, list(module._khmer_edits(text, exhaustive=True)))
    text = " ".join(text.split())
    return module._lek_too(text)


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("typed", "expected", "why"),
    [
        ("ខែ្មរ", "ខ្មែរ", "vowel typed before the subscript"),
        ("ធើ្វការ", "ធ្វើការ", "vowel typed before the subscript"),
        ("ស្រ្តី", "ស្ត្រី", "coeng RO typed before the other subscript"),
        ("ម៉្យាង", "ម្យ៉ាង", "shifter typed before the subscript (UTN #61 order)"),
        ("បុ៉ន្តែ", "ប៉ុន្តែ", "vowel typed before the shifter"),
        ("កំុ", "កុំ", "nikahit typed before the vowel"),
        ("ចំា", "ចាំ", "nikahit typed before the vowel"),
        ("ចះុ", "ចុះ", "reahmuk typed before the vowel"),
        ("លេាក", "លោក", "two-part vowel: e + aa is oo"),
        ("លាេក", "លោក", "two-part vowel typed the other way round"),
        ("បេី", "បើ", "two-part vowel: e + ii is oe"),
        ("សុី", "ស៊ី", "-u under an above vowel is triisap"),
        ("មុឺន", "ម៉ឺន", "-u under an above vowel is muusikatoan after MO"),
        ("កណ្ដាល", "កណ្តាល", "coeng DA renders as coeng TA"),
        ("កាា", "កា", "doubled vowel"),
        ("ខ្ញុំុំ", "ខ្ញុំ", "doubled vowel and nikahit"),
        ("ស្រ្រី", "ស្រី", "doubled subscript"),
        ("ក្្មេង", "ក្មេង", "doubled coeng"),
        ("ព័ត៌មាន", "ព័ត៌មាន", "robat and samyok sannya are already in place"),
        ("\u17a3", "\u17a2", "deprecated QAQ"),
        ("\u17a4ង", "អាង", "deprecated QAA"),
        ("ក\u17b4ា\u17b5", "កា", "inherent vowels are invisible and removed"),
        ("ល\u17d8", "ល។ល។", "BEYYAL is spelled out as ។ល។"),
    ],
)
def test_spellings_that_render_alike_become_one(typed: str, expected: str, why: str) -> None:
    assert normalize(typed) == expected, why
    assert normalize(expected) == expected


@pytest.mark.parametrize("invisible", INVISIBLE)
def test_invisible_characters_are_removed(invisible: str) -> None:
    assert normalize(f"ការ{invisible}ជួញដូរ{invisible}មនុស្ស") == "ការជួញដូរមនុស្ស"
    assert normalize(f"Sok{invisible}han") == "Sokhan"


def test_a_zero_width_space_between_a_base_and_its_vowel_no_longer_splits_the_cluster() -> None:
    assert normalize("ខ\u200b\u17c2\u17d2ម\u200bរ") == "ខ្មែរ"


def test_emoji_keep_their_joiners() -> None:
    family = "👩\u200d👩\u200d👧"
    firefighter = "🧑🏽\u200d🚒"
    heart_on_fire = "❤\ufe0f\u200d🔥"
    for emoji in (family, firefighter, heart_on_fire):
        assert normalize(f"ស្រីពៅ {emoji}") == f"ស្រីពៅ {emoji}"


def test_nfc() -> None:
    assert normalize("Cafe\u0301") == "Café"
    # A zero-width space between a letter and its accent is removed first.
    assert normalize("e\u200b\u0301") == "é"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  ការងារ \t នៅ\n\nថៃ  ", "ការងារ នៅ ថៃ"),
        ("a\u00a0\u00a0b", "a b"),
        ("ក\u3000ខ", "ក ខ"),
        ("one\r\ntwo", "one two"),
        (" \u200b ", ""),
        ("", ""),
    ],
)
def test_whitespace_runs_collapse_to_one_space(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ផ្សេង ៗ", "ផ្សេងៗ"),
        ("ផ្សេងៗទៀត", "ផ្សេងៗ ទៀត"),
        ("ផ្សេង ៗ ទៀត", "ផ្សេងៗ ទៀត"),
        ("ក្មេង  ៗលេង។", "ក្មេងៗ លេង។"),
        ("ផ្សេងៗ។", "ផ្សេងៗ។"),
    ],
)
def test_the_repetition_sign_is_written_against_its_word(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_latin_text_is_kept_as_typed() -> None:
    text = "Chantha SOK, Sreypov (NGO partner) e-mail: x@y.org"
    assert normalize(text) == text


def test_fold_is_a_case_insensitive_comparison_key() -> None:
    assert fold("CHANTHA Sok") == fold("chantha SOK") == "chantha sok"
    assert fold("Straße") == "strasse"
    assert fold("ខែ្មរ Sok") == "ខ្មែរ sok"


def test_the_same_words_typed_differently_compare_equal() -> None:
    careful = "ស្ត្រីខ្មែរធ្វើការនៅប្រទេសថៃ"
    hurried = "ស\u17d2\u179a\u17d2\u178f\u17b8\u200bខែ\u17d2មរ ធើ\u17d2វការ\u200bនៅប្រ\u200bទេសថៃ"
    assert normalize(hurried).replace(" ", "") == normalize(careful)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("\ud800", "\ufffd"),
        ("ក\udfffខ", "ក\ufffdខ"),
        ("\ud83d\ude00", "😀"),  # a pair decoded with surrogatepass is one character
        ("\ude00\ud83d", "\ufffd\ufffd"),  # the wrong way round is two bad halves
    ],
)
def test_surrogates_become_characters_or_replacement_characters(typed: str, expected: str) -> None:
    assert normalize(typed) == expected
    normalize(typed).encode("utf-8")  # always encodable after normalisation


def test_marks_without_a_base_are_left_as_typed() -> None:
    assert normalize("ាំុ") == "ាំុ"
    assert normalize(" ុំ") == "ុំ"


def test_one_megabyte_of_anything_normalises_without_error() -> None:
    rng = random.Random(3)
    alphabet = KHMER * 4 + INVISIBLE + OTHER
    text = "".join(rng.choice(alphabet) for _ in range(1_000_000))
    result = normalize(text)
    assert isinstance(result, str)
    assert 0 < len(result) <= len(text) * 2
    assert normalize(result) == result
    result.encode("utf-8")


def test_one_megabyte_cluster_of_marks_is_folded_without_error() -> None:
    assert normalize("ក" + "ា" * 1_000_000) == "កា"
    assert normalize("ា" * 1_000_000) == "ា" * 1_000_000


# --------------------------------------------------------------------------- properties


@settings(PROPERTIES, max_examples=400)
@given(any_text)
@example("\U0002f800\u200d")
@example("ក\u17dd\u17b6\u0316")
@example("ក\u17dd\u17d2\u179a")
@example("យ\u17d2\u17ccឥ")  # a stray coeng sorted to the end would grab the next base
@example("ន៍ីព្៊្ជ")  # sorting leaves two coengs side by side
def test_normalize_is_idempotent_and_nfc(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    once.encode("utf-8")
    for invisible in ("\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad"):
        assert invisible not in once
    assert once == once.strip()
    assert "  " not in once


@settings(PROPERTIES, max_examples=400)
@given(any_text)
def test_the_detectors_miss_no_cluster_that_needs_fixing(text: str) -> None:
    assert normalize(text) == reference_normalize(text)


@settings(PROPERTIES, max_examples=300)
@given(typed_clusters(), st.randoms(use_true_random=False))
def test_a_cluster_typed_in_any_order_normalises_to_one_spelling(
    cluster: tuple[str, list[str]], rng: random.Random
) -> None:
    base, units = cluster
    canonical = normalize(base + "".join(units))
    shuffled = units[:]
    rng.shuffle(shuffled)
    assert normalize(base + "".join(shuffled)) == canonical


@settings(PROPERTIES, max_examples=300)
@given(any_text)
def test_offsets_point_back_into_the_original(text: str) -> None:
    normal, starts, ends = normalize_with_offsets(text)
    assert normal == normalize(text)
    assert len(starts) == len(ends) == len(normal)
    for start, end in zip(starts, ends, strict=True):
        assert 0 <= start <= end <= len(text)
    assert list(starts) == sorted(starts)


def test_offsets_of_a_reordered_cluster_cover_the_whole_cluster() -> None:
    text = "  ការ\u200bជួញដូរ  ខែ្មរ "
    normal, starts, ends = normalize_with_offsets(text)
    assert normal == "ការជួញដូរ ខ្មែរ"
    khmer = normal.index("ខ្មែរ")
    assert text[starts[khmer] : ends[khmer + 4]] == "ខែ្មរ"
    assert text[starts[0] : ends[2]] == "ការ"
